internal import CLibPQ

extension PostgresConnection {
  /// Streams rows into `COPY ... FROM STDIN` (text format) and returns the number of rows the
  /// server loaded.
  ///
  /// ```swift
  /// let count = try connection.copyFrom("COPY staging (id, name) FROM STDIN") { writer in
  ///   for server in servers { try writer.writeRow([server.id, server.name]) }
  /// }
  /// ```
  ///
  /// Rows are buffered and sent in chunks of about 256 KiB. If `body` throws, the COPY is
  /// aborted (nothing is loaded) and the error is rethrown. A bad value is reported by the
  /// server at the end with the line number in `PostgresError.context`.
  public func copyFrom(
    _ copySQL: String, _ body: (inout PostgresCopyWriter) throws -> Void
  ) throws -> Int {
    let handle = try openHandle(statement: copySQL)
    let start = PQexec(handle, copySQL)
    defer { PQclear(start) }
    let started = try check(start, statement: copySQL)
    guard PQresultStatus(started) == PGRES_COPY_IN else {
      throw PostgresError(
        kind: .protocol, message: "copyFrom needs a COPY ... FROM STDIN statement",
        statement: copySQL)
    }
    guard PQbinaryTuples(started) == 0 else {
      _ = try? finishCopy(handle, abortReason: "binary COPY is not supported", statement: copySQL)
      throw PostgresError(
        kind: .copy, message: "copyFrom supports the text format only", statement: copySQL)
    }
    var writer = PostgresCopyWriter(
      handle: handle, columnCount: Int(PQnfields(started)), statement: copySQL)
    do {
      try body(&writer)
      try writer.flush()
    } catch {
      _ = try? finishCopy(
        handle, abortReason: "aborted by the client: \(error)", statement: copySQL)
      throw error
    }
    return try finishCopy(handle, abortReason: nil, statement: copySQL)
  }

  /// Ends the COPY (or aborts it with a reason) and collects the final result.
  @discardableResult
  private func finishCopy(
    _ handle: OpaquePointer, abortReason: String?, statement: String
  ) throws -> Int {
    guard PQputCopyEnd(handle, abortReason) == 1 else {
      throw connectionError(statement: statement)
    }
    var firstError: PostgresError?
    var rows = 0
    while let result = PQgetResult(handle) {
      defer { PQclear(result) }
      do {
        try check(result, statement: statement)
        rows = Int(String(cString: PQcmdTuples(result))) ?? rows
      } catch let error as PostgresError {
        firstError = firstError ?? error
      }
    }
    if let firstError { throw firstError }
    return rows
  }
}

/// Writes rows of a running `COPY ... FROM STDIN` in PostgreSQL's text format.
///
/// Values are escaped (`\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`), `nil` becomes `\N` (SQL NULL),
/// so the text `\N` itself arrives as text. Values cannot contain NUL.
public struct PostgresCopyWriter {
  private let handle: OpaquePointer
  private let statement: String
  /// Number of columns the COPY expects (0 if the server did not say).
  public let columnCount: Int
  /// Rows written so far.
  public private(set) var rowsWritten = 0
  private var buffer: [UInt8] = []

  /// Bytes buffered before a `PQputCopyData` call.
  static let chunkSize = 256 * 1024

  init(handle: OpaquePointer, columnCount: Int, statement: String) {
    self.handle = handle
    self.columnCount = columnCount
    self.statement = statement
    buffer.reserveCapacity(Self.chunkSize + 4096)
  }

  /// Writes one row of text values; `nil` is SQL NULL.
  public mutating func writeRow(_ values: [String?]) throws {
    guard columnCount == 0 || values.count == columnCount else {
      throw PostgresError(
        kind: .copy,
        message: "row \(rowsWritten + 1) has \(values.count) values but the COPY expects"
          + " \(columnCount) columns",
        statement: statement)
    }
    let rowStart = buffer.count
    for (index, value) in values.enumerated() {
      if index > 0 { buffer.append(UInt8(ascii: "\t")) }
      guard let value else {
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(UInt8(ascii: "N"))
        continue
      }
      if !append(value) {
        buffer.removeSubrange(rowStart...)
        throw PostgresError(
          kind: .encoding,
          message: "row \(rowsWritten + 1), column \(index + 1) contains a NUL byte (\\0), which"
            + " PostgreSQL text values cannot hold",
          statement: statement)
      }
    }
    buffer.append(UInt8(ascii: "\n"))
    rowsWritten += 1
    if buffer.count >= Self.chunkSize {
      try flush()
    }
  }

  /// Writes one row of encodable values (`nil` optionals are SQL NULL).
  public mutating func writeRow(encoding values: [any PostgresEncodable]) throws {
    try writeRow(values.map(\.postgresBind))
  }

  /// Appends an escaped value; returns `false` if it contains NUL.
  private mutating func append(_ value: String) -> Bool {
    var needsEscaping = false
    for byte in value.utf8 where byte < 0x20 || byte == UInt8(ascii: "\\") {
      needsEscaping = true
      break
    }
    guard needsEscaping else {
      buffer.append(contentsOf: value.utf8)
      return true
    }
    for byte in value.utf8 {
      switch byte {
      case 0: return false
      case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
      case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0x08: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
      case 0x0B: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "v")])
      case 0x0C: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
      default: buffer.append(byte)
      }
    }
    return true
  }

  /// Sends the buffered rows to the server.
  mutating func flush() throws {
    guard !buffer.isEmpty else { return }
    let handle = handle
    let status = buffer.withUnsafeBufferPointer { bytes in
      bytes.withMemoryRebound(to: CChar.self) { chars in
        PQputCopyData(handle, chars.baseAddress, Int32(chars.count))
      }
    }
    guard status == 1 else {
      let message = String(cString: PQerrorMessage(handle))
      throw PostgresError(
        kind: .copy,
        message: "sending COPY data failed: "
          + Redaction.redact(message.trimmingCharacters(in: .whitespacesAndNewlines)),
        statement: statement)
    }
    buffer.removeAll(keepingCapacity: true)
  }
}
