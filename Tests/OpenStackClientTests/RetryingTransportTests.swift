import Foundation
import OpenStackClient
import Testing

@Suite("Retry and backoff")
struct RetryingTransportTests {
  let request = HTTPRequest(
    method: "GET", url: testURL("http://nova/v2.1/servers/detail"), service: "compute")

  func retrying(_ inner: ScriptedTransport, sleeper: RecordingSleeper, maxAttempts: Int = 5)
    -> RetryingTransport
  {
    RetryingTransport(
      wrapping: inner, policy: RetryPolicy(maxAttempts: maxAttempts, baseDelay: 1, maxDelay: 8),
      sleeper: sleeper,
      random: { $0.upperBound }, now: { Date(timeIntervalSince1970: 1_000_000) })
  }

  @Test(arguments: [500, 502, 503, 504, 429])
  func retriesTransientStatusesUntilSuccess(status: Int) async throws {
    let inner = ScriptedTransport { _, index in
      index < 2 ? HTTPResponse(status: status) : HTTPResponse(status: 200)
    }
    let sleeper = RecordingSleeper()
    let response = try await retrying(inner, sleeper: sleeper).send(request)
    #expect(response.status == 200)
    #expect(inner.requests.count == 3)
    #expect(sleeper.delays == [1, 2])
  }

  @Test(arguments: [400, 403, 404, 409, 406, 401])
  func neverRetriesOtherClientErrors(status: Int) async throws {
    let inner = ScriptedTransport { _, _ in HTTPResponse(status: status) }
    let sleeper = RecordingSleeper()
    let response = try await retrying(inner, sleeper: sleeper).send(request)
    #expect(response.status == status)
    #expect(inner.requests.count == 1)
    #expect(sleeper.delays.isEmpty)
  }

  @Test func backoffIsExponentialCappedAndBounded() async throws {
    let inner = ScriptedTransport { _, _ in HTTPResponse(status: 503) }
    let sleeper = RecordingSleeper()
    let response = try await retrying(inner, sleeper: sleeper, maxAttempts: 6).send(request)
    #expect(response.status == 503, "the last response is returned after the last attempt")
    #expect(inner.requests.count == 6)
    #expect(sleeper.delays == [1, 2, 4, 8, 8])
  }

  @Test func jitterIsFullJitter() async throws {
    let inner = ScriptedTransport { _, index in
      index == 0 ? HTTPResponse(status: 502) : HTTPResponse(status: 200)
    }
    let sleeper = RecordingSleeper()
    let transport = RetryingTransport(
      wrapping: inner, policy: RetryPolicy(baseDelay: 4), sleeper: sleeper,
      random: { range in
        #expect(range == 0...4)
        return 1.25
      })
    _ = try await transport.send(request)
    #expect(sleeper.delays == [1.25])
  }

  @Test func honoursRetryAfterSecondsAndHTTPDateWithACap() async throws {
    let headers: [String] = ["3", "Mon, 12 Jan 1970 13:46:50 GMT", "100000"]
    let inner = ScriptedTransport { _, index in
      index < headers.count
        ? HTTPResponse(status: 429, headers: ["Retry-After": headers[index]])
        : HTTPResponse(status: 200)
    }
    let sleeper = RecordingSleeper()
    let transport = RetryingTransport(
      wrapping: inner, policy: RetryPolicy(maxRetryAfter: 60), sleeper: sleeper,
      random: { $0.upperBound },
      now: { Date(timeIntervalSince1970: 1_000_000) })
    _ = try await transport.send(request)
    #expect(sleeper.delays == [3, 10, 60])
  }

  @Test func retriesConnectionErrors() async throws {
    let inner = ScriptedTransport { request, index in
      if index == 0 {
        throw OpenStackError.connection(
          service: "compute", method: "GET", path: "/", reason: "reset")
      }
      return HTTPResponse(status: 200)
    }
    let sleeper = RecordingSleeper()
    #expect(try await retrying(inner, sleeper: sleeper).send(request).status == 200)
    #expect(inner.requests.count == 2)
  }

  @Test func gives_upOnConnectionErrorsAfterMaxAttempts() async throws {
    let inner = ScriptedTransport { _, _ in
      throw OpenStackError.connection(
        service: "compute", method: "GET", path: "/x", reason: "refused")
    }
    let sleeper = RecordingSleeper()
    await #expect(
      throws: OpenStackError.connection(
        service: "compute", method: "GET", path: "/x", reason: "refused")
    ) {
      try await retrying(inner, sleeper: sleeper, maxAttempts: 3).send(request)
    }
    #expect(inner.requests.count == 3)
  }

  @Test func doesNotRetryACompleteButMalformedBody() async throws {
    let inner = ScriptedTransport { _, _ in
      HTTPResponse(status: 200, body: Data("{\"servers\": [".utf8))
    }
    let response = try await retrying(inner, sleeper: RecordingSleeper()).send(request)
    #expect(inner.requests.count == 1)
    #expect(throws: OpenStackError.self) { try ComputeService.decodeServerPage(response.body) }
  }

  @Test func postIsRetriedOnlyWhenTheServiceDidNotActOnIt() async throws {
    var post = request
    post.method = "POST"
    let failing = ScriptedTransport { _, _ in HTTPResponse(status: 500) }
    _ = try await retrying(failing, sleeper: RecordingSleeper()).send(post)
    #expect(failing.requests.count == 1)
    let limited = ScriptedTransport { _, index in
      index == 0 ? HTTPResponse(status: 429) : HTTPResponse(status: 202)
    }
    #expect(try await retrying(limited, sleeper: RecordingSleeper()).send(post).status == 202)
  }

  @Test func parsesRetryAfterForms() {
    let now = Date(timeIntervalSince1970: 784_111_770)
    #expect(RetryingTransport.parseRetryAfter("120", now: now) == 120)
    #expect(RetryingTransport.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 7)
    #expect(RetryingTransport.parseRetryAfter("soon", now: now) == nil)
  }
}
