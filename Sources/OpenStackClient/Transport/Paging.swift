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

  /// Fetches a collection page by page and hands each decoded page to `body`, so a large
  /// listing never sits in memory whole. The next page is fetched while the current one is
  /// decoded and handed over (its marker is read cheaply from the raw body first), so at most
  /// one page beyond the current is in memory.
  func forEachPage<Item>(
    _ path: String, query: [URLQueryItem], itemsKey: String, linksKey: String, resource: String,
    decode: (JSONValue) throws -> Item, _ body: ([Item]) async throws -> Void
  ) async throws {
    func pageQuery(_ marker: String?) -> [URLQueryItem] {
      var items = query.filter { $0.name != "marker" }
      if let marker { items.append(URLQueryItem(name: "marker", value: marker)) }
      return items
    }
    var marker: String?
    var seen: Set<String> = []
    var ahead: (marker: String, task: Task<Data, any Error>)?
    // No request outlives the listing: a page fetched ahead and not used is cancelled and awaited.
    func discard(_ pending: (marker: String, task: Task<Data, any Error>)?) async {
      guard let pending else { return }
      pending.task.cancel()
      _ = try? await pending.task.value
    }
    do {
      repeat {
        let data: Data
        if let next = ahead, next.marker == marker {
          data = try await next.task.value
          ahead = nil
        } else {
          await discard(ahead)
          ahead = nil
          data = try await get(path, query: pageQuery(marker))
        }
        if let quick = PageLinks.nextMarker(in: data, linksKey: linksKey),
          !seen.contains(quick), quick != marker
        {
          let nextQuery = pageQuery(quick)
          ahead = (quick, Task { try await self.get(path, query: nextQuery) })
        }
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
    } catch {
      await discard(ahead)
      throw error
    }
    await discard(ahead)
  }
}
