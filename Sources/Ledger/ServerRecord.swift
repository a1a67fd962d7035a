public import Foundation

/// A server as the ledger stores it: Nova's fields in PostgreSQL text format, ready to COPY.
///
/// Built by the normalizer from an API record; `values` follows ``ServerColumns/nova``.
public struct ServerRecord: Sendable, Equatable {
  /// Nova server id (lower-case UUID text).
  public var id: String
  /// Nova status (`DELETED` and `SOFT_DELETED` mean Nova says the server is gone).
  public var status: String?
  /// Nova `updated`, the incremental watermark.
  public var updatedAt: Date?
  /// A partial record from an unreachable cell: counted, never applied.
  public var isPartial: Bool
  /// Column values in ``ServerColumns/nova`` order, text format, nil for NULL.
  public var values: [String?]
  /// The record as Nova sent it, canonical JSON without `links` and user data.
  public var rawJSON: String
  /// SHA-256 over `values` and `rawJSON`: equal fingerprints mean Nova reported no change.
  public var fingerprint: [UInt8]

  /// Whether Nova's record says the server was deleted (hard or soft).
  public var isDeletedRecord: Bool {
    status == "DELETED" || status == "SOFT_DELETED"
  }

  /// Creates a record and computes its fingerprint.
  public init(
    id: String, status: String?, updatedAt: Date?, isPartial: Bool, values: [String?],
    rawJSON: String
  ) {
    self.id = id
    self.status = status
    self.updatedAt = updatedAt
    self.isPartial = isPartial
    self.values = values
    self.rawJSON = rawJSON
    self.fingerprint = Fingerprint.sha256(fields: values + [rawJSON])
  }
}
