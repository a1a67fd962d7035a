internal import CCrypto

/// SHA-256 digests through libcrypto (Foundation on Linux has none, and we never hand-roll one).
public enum Fingerprint {
  /// SHA-256 of a byte sequence.
  public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    bytes.withUnsafeBufferPointer { input in
      digest.withUnsafeMutableBufferPointer { output in
        _ = SHA256(input.baseAddress, input.count, output.baseAddress)
      }
    }
    return digest
  }

  /// SHA-256 of a string's UTF-8 bytes, as lower-case hex.
  public static func sha256Hex(_ text: String) -> String {
    hex(sha256(Array(text.utf8)))
  }

  /// SHA-256 over a list of optional fields, framed so that no two different lists collide:
  /// each field is a tag byte (0 = NULL, 1 = value), an 8-byte length and the UTF-8 bytes.
  public static func sha256(fields: [String?]) -> [UInt8] {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(fields.reduce(0) { $0 + ($1?.utf8.count ?? 0) + 9 })
    for field in fields {
      guard let field else {
        buffer.append(0)
        continue
      }
      buffer.append(1)
      let count = UInt64(field.utf8.count)
      for shift in stride(from: 56, through: 0, by: -8) {
        buffer.append(UInt8(truncatingIfNeeded: count >> UInt64(shift)))
      }
      buffer.append(contentsOf: field.utf8)
    }
    return sha256(buffer)
  }

  /// Lower-case hex of bytes.
  public static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// PostgreSQL bytea text format (`\x` + hex).
  public static func byteaText(_ bytes: [UInt8]) -> String {
    "\\x" + hex(bytes)
  }
}
