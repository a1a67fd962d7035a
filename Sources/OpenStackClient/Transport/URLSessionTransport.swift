public import Foundation

#if canImport(FoundationNetworking)
  public import FoundationNetworking
#endif

/// TLS settings from clouds.yaml (`cacert`, `verify`, `insecure`) or `OS_CACERT` / `OS_INSECURE`.
public struct TLSOptions: Sendable, Equatable {
  /// Skip certificate verification (`insecure: true` or `verify: false`).
  public var insecure: Bool
  /// A PEM CA bundle to verify the services against instead of the system trust store.
  public var caCertificatePath: String?

  /// Verification against the system trust store.
  public init(insecure: Bool = false, caCertificatePath: String? = nil) {
    self.insecure = insecure
    self.caCertificatePath = caCertificatePath
  }
}

/// `HTTPTransport` over Foundation's `URLSession` (FoundationNetworking on Linux).
///
/// Each request gets its own overall deadline (`HTTPRequest.timeout`). On Linux,
/// FoundationNetworking offers no hook to evaluate server trust, so `cacert` and `insecure` cannot
/// be honoured there: an `https` request with either set fails with
/// `OpenStackError.unsupportedTLSOption` instead of silently verifying differently. Install the CA
/// in the system trust store (`update-ca-certificates`) and remove `cacert` from the cloud.
public final class URLSessionTransport: HTTPTransport {
  private let session: URLSession
  private let tls: TLSOptions

  /// Creates a transport with its own ephemeral session (no cookies, no cache).
  public init(tls: TLSOptions = TLSOptions(), maximumConnectionsPerHost: Int = 8) {
    self.tls = tls
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpCookieStorage = nil
    configuration.httpShouldSetCookies = false
    configuration.urlCache = nil
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.httpMaximumConnectionsPerHost = maximumConnectionsPerHost
    #if canImport(Security)
      let delegate = TrustDelegate(tls: tls)
      self.session = URLSession(
        configuration: configuration, delegate: delegate, delegateQueue: nil)
    #else
      self.session = URLSession(configuration: configuration)
    #endif
  }

  deinit {
    session.finishTasksAndInvalidate()
  }

  /// Whether this platform can apply `options` to `https` requests.
  public static func supports(_ options: TLSOptions) -> Bool {
    #if canImport(Security)
      return true
    #else
      return !options.insecure && options.caCertificatePath == nil
    #endif
  }

  /// Sends the request; throws `OpenStackError.connection` on network failure or timeout.
  public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
    if request.url.scheme?.lowercased() == "https", !Self.supports(tls) {
      let option = tls.insecure ? "insecure / verify: false" : "cacert"
      throw OpenStackError.unsupportedTLSOption(
        "\(option) is set, but FoundationNetworking on Linux cannot change certificate verification;"
          + " add the CA to the system trust store (update-ca-certificates) and remove \(option)"
          + " from the cloud configuration")
    }
    var urlRequest = URLRequest(url: request.url)
    urlRequest.httpMethod = request.method
    urlRequest.timeoutInterval = request.timeout
    for field in request.headers {
      urlRequest.addValue(field.value, forHTTPHeaderField: field.name)
    }
    urlRequest.httpBody = request.body
    let prepared = urlRequest
    let session = self.session
    let timeout = request.timeout
    let failure: @Sendable (String) -> OpenStackError = { reason in
      .connection(
        service: request.service, method: request.method, path: request.pathForDisplay,
        reason: reason)
    }
    do {
      let (data, response) = try await withThrowingTaskGroup(of: (Data, URLResponse)?.self) {
        group in
        group.addTask { try await session.data(for: prepared) }
        group.addTask {
          try await Task.sleep(nanoseconds: UInt64(max(timeout, 0.001) * 1_000_000_000))
          return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
          throw failure("timed out after \(timeout) s")
        }
        return result
      }
      guard let http = response as? HTTPURLResponse else {
        throw failure("the response was not HTTP")
      }
      var headers = HTTPHeaders()
      for (name, value) in http.allHeaderFields {
        headers[String(describing: name)] = String(describing: value)
      }
      return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    } catch let error as OpenStackError {
      throw error
    } catch is CancellationError {
      throw CancellationError()
    } catch let error as URLError {
      throw failure(Self.describe(error))
    } catch {
      throw failure(String(describing: type(of: error)))
    }
  }

  private static func describe(_ error: URLError) -> String {
    switch error.code {
    case .timedOut: return "timed out"
    case .cannotConnectToHost: return "could not connect to the host"
    case .cannotFindHost: return "could not resolve the host name"
    case .networkConnectionLost: return "the connection was lost (the response may be truncated)"
    case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
      .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
      return "TLS handshake failed (certificate not trusted?)"
    case .cancelled: return "cancelled"
    default: return "URL error \(error.code.rawValue)"
    }
  }
}

#if canImport(Security)
  import Security

  private final class TrustDelegate: NSObject, URLSessionDelegate, Sendable {
    let tls: TLSOptions
    init(tls: TLSOptions) { self.tls = tls }

    func urlSession(
      _ session: URLSession, didReceive challenge: URLAuthenticationChallenge,
      completionHandler:
        @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
      guard challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust,
        let trust = challenge.protectionSpace.serverTrust
      else {
        completionHandler(.performDefaultHandling, nil)
        return
      }
      if tls.insecure {
        completionHandler(.useCredential, URLCredential(trust: trust))
        return
      }
      guard let path = tls.caCertificatePath else {
        completionHandler(.performDefaultHandling, nil)
        return
      }
      let anchors = Self.certificates(atPath: path)
      guard !anchors.isEmpty else {
        completionHandler(.cancelAuthenticationChallenge, nil)
        return
      }
      SecTrustSetAnchorCertificates(trust, anchors as CFArray)
      SecTrustSetAnchorCertificatesOnly(trust, true)
      if SecTrustEvaluateWithError(trust, nil) {
        completionHandler(.useCredential, URLCredential(trust: trust))
      } else {
        completionHandler(.cancelAuthenticationChallenge, nil)
      }
    }

    static func certificates(atPath path: String) -> [SecCertificate] {
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
      var result: [SecCertificate] = []
      let blocks = text.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst()
      for block in blocks {
        guard let body = block.components(separatedBy: "-----END CERTIFICATE-----").first,
          let der = Data(base64Encoded: body, options: .ignoreUnknownCharacters),
          let certificate = SecCertificateCreateWithData(nil, der as CFData)
        else { continue }
        result.append(certificate)
      }
      return result
    }
  }
#endif
