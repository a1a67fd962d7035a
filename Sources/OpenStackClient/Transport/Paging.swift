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
    try await forEachPage(
      path, query: query, itemsKey: itemsKey, linksKey: linksKey, resource: resource,
      decode: decode
    ) { page in
      items.append(contentsOf: page)
    }
    return items
  }

  /// Fetches a collection page by page and hands each decoded page to `body` before fetching
  /// the next, so a large listing never sits in memory whole.
  func forEachPage<Item>(
    _ path: String, query: [URLQueryItem], itemsKey: String, linksKey: String, resource: String,
    decode: (JSONValue) throws -> Item, _ body: ([Item]) async throws -> Void
  ) async throws {
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
      try await body(try page.map(decode))
      let next = page.isEmpty ? nil : PageLinks.nextMarker(json[linksKey])
      if let next, !seen.insert(next).inserted {
        throw OpenStackError.decoding(
          resource: resource, id: nil, key: linksKey, expected: "a new marker in the next link",
          found: "marker \(next) again (paging loop)")
      }
      marker = next
    } while marker != nil
  }
}
