public import Foundation

extension ServiceClient {
  /// GETs every page of a collection that pages by `limit`/`marker` with `<linksKey>` next links
  /// (Nova flavors and instance actions, Neutron, Cinder). A collection without links (Neutron with
  /// pagination off) is one response.
  ///
  /// The marker is read from the next link and re-issued against the catalog endpoint (the link's
  /// host may be wrong behind proxies). A repeated marker is an error rather than an endless loop.
  func collectPages<Item>(
    _ path: String, query: [URLQueryItem], itemsKey: String, linksKey: String, resource: String,
    decode: (JSONValue) throws -> Item
  ) async throws -> [Item] {
    var items: [Item] = []
    var marker: String?
    var seen: Set<String> = []
    repeat {
      var pageQuery = query.filter { $0.name != "marker" }
      if let marker { pageQuery.append(URLQueryItem(name: "marker", value: marker)) }
      let data = try await get(path, query: pageQuery)
      let json = try JSONValue.parse(data, resource: resource)
      guard let value = json[itemsKey] else {
        throw OpenStackError.decoding(
          resource: resource, id: nil, key: itemsKey, expected: "an array",
          found: "nothing (missing)")
      }
      guard case .array(let page) = value else {
        throw OpenStackError.decoding(
          resource: resource, id: nil, key: itemsKey, expected: "an array",
          found: value.kindDescription)
      }
      items.reserveCapacity(items.count + page.count)
      for item in page { items.append(try decode(item)) }
      let next = page.isEmpty ? nil : PageLinks.nextMarker(json[linksKey])
      if let next, !seen.insert(next).inserted {
        throw OpenStackError.decoding(
          resource: resource, id: nil, key: linksKey, expected: "a new marker in the next link",
          found: "marker \(next) again (paging loop)")
      }
      marker = next
    } while marker != nil
    return items
  }
}
