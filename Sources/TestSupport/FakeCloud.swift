public import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Launches `Tests/FakeCloud/fakecloud.py` (Keystone + Nova + Neutron + Cinder) on a free port for
/// tests, and talks to its control API.
///
/// The process is stopped by `stop()` or when the value is released. Launching fails with a
/// `FakeCloud.LaunchError` that says what is missing (python3, the script) or what the fake wrote to
/// stderr: a test that needs the fake fails, it never passes silently.
public final class FakeCloud: @unchecked Sendable {
  /// Why the fake could not be started.
  public enum LaunchError: Error, CustomStringConvertible {
    /// No `python3` on `PATH`.
    case python3NotFound(path: String)
    /// The script is not where the repository layout puts it.
    case scriptNotFound(String)
    /// The process exited or stayed silent instead of printing the auth URL.
    case didNotStart(reason: String, stderr: String)

    /// A message that says how to fix it.
    public var description: String {
      switch self {
      case .python3NotFound(let path):
        return
          "FakeCloud: python3 was not found on PATH (\(path)); install Python 3.11+ to run these tests"
      case .scriptNotFound(let path):
        return
          "FakeCloud: \(path) does not exist; the fake cloud script is required for these tests"
      case .didNotStart(let reason, let stderr):
        return "FakeCloud: the fake cloud did not start (\(reason)). stderr:\n\(stderr)"
      }
    }
  }

  /// The Keystone v3 URL the fake printed (`http://127.0.0.1:PORT/identity/v3`).
  public let authURL: URL
  /// `http://127.0.0.1:PORT` (the control API lives under `/_fake/`).
  public let baseURL: URL
  /// The clouds.yaml the fake wrote (clouds `fake-admin`, `fake-member`, `fake-appcred`).
  public let cloudsYAMLPath: String
  /// The temporary directory holding clouds.yaml and the fake's stderr log.
  public let directory: String

  private let process: Process
  private let lock = NSLock()
  private var stopped = false

  /// The repository root, found from this file's path.
  public static var projectRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  /// The fake cloud script.
  public static var scriptPath: String {
    projectRoot.appendingPathComponent("Tests/FakeCloud/fakecloud.py").path
  }

  /// Starts the fake and waits (up to `timeout` seconds) for it to print its auth URL.
  ///
  /// - Parameters:
  ///   - servers: fleet size.
  ///   - seed: fleet seed.
  ///   - arguments: more `fakecloud.py` options (e.g. `["--max-microversion", "2.60"]`).
  public init(
    servers: Int = 50, seed: Int = 1, arguments: [String] = [], timeout: TimeInterval = 20
  ) throws {
    let environment = ProcessInfo.processInfo.environment
    let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    let python = searchPath.split(separator: ":").map { "\($0)/python3" }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
    guard let python else { throw LaunchError.python3NotFound(path: searchPath) }
    let script = Self.scriptPath
    guard FileManager.default.fileExists(atPath: script) else {
      throw LaunchError.scriptNotFound(script)
    }

    let directory = NSTemporaryDirectory() + "fakecloud-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let cloudsYAML = directory + "/clouds.yaml"
    let stderrPath = directory + "/stderr.log"
    FileManager.default.createFile(atPath: stderrPath, contents: nil)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    // The child inherits the signal mask of the spawning thread, and Swift concurrency threads
    // block almost every signal, so SIGTERM would never reach the fake. Unblock them first.
    let bootstrap =
      "import runpy, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, range(1, signal.NSIG));"
      + " sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
    process.arguments =
      [
        "-c", bootstrap, script, "--port", "0", "--servers", String(servers), "--seed",
        String(seed),
        "--write-clouds-yaml", cloudsYAML,
      ] + arguments
    let stdout = Pipe()
    process.standardOutput = stdout
    process.standardError = FileHandle(forWritingAtPath: stderrPath)
    process.standardInput = FileHandle.nullDevice
    try process.run()

    let line = Self.readFirstLine(from: stdout.fileHandleForReading, timeout: timeout)
    let stderrText = { () -> String in
      let data = FileManager.default.contents(atPath: stderrPath) ?? Data()
      return String(decoding: data.suffix(4000), as: UTF8.self)
    }
    guard let line, let url = URL(string: line.trimmingCharacters(in: .whitespacesAndNewlines)),
      let host = url.host, let port = url.port
    else {
      let running = process.isRunning
      Self.terminate(process)
      try? FileManager.default.removeItem(atPath: directory)
      throw LaunchError.didNotStart(
        reason: running
          ? "no auth URL on stdout within \(timeout) s"
          : "exited with status \(process.terminationStatus)",
        stderr: stderrText())
    }
    self.process = process
    self.authURL = url
    self.baseURL = URL(string: "http://\(host):\(port)") ?? url
    self.cloudsYAMLPath = cloudsYAML
    self.directory = directory
  }

  private static func readFirstLine(from handle: FileHandle, timeout: TimeInterval) -> String? {
    final class Box: @unchecked Sendable {
      var line: String?
    }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      var buffer = Data()
      while true {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        buffer.append(chunk)
        if let newline = buffer.firstIndex(of: 0x0A) {
          box.line = String(decoding: buffer[..<newline], as: UTF8.self)
          break
        }
      }
      done.signal()
    }
    guard done.wait(timeout: .now() + timeout) == .success else { return nil }
    return box.line
  }

  /// Calls the control API: `POST` with `json` when given, otherwise `GET` (or `method`).
  ///
  /// - Parameter path: e.g. `"/_fake/churn"`.
  /// - Returns: the response body; a non-2xx status throws.
  @discardableResult
  public func control(_ path: String, json: [String: Any]? = nil, method: String? = nil)
    async throws -> Data
  {
    guard let url = URL(string: baseURL.absoluteString + path) else {
      throw LaunchError.didNotStart(reason: "bad control path \(path)", stderr: "")
    }
    var request = URLRequest(url: url)
    request.httpMethod = method ?? (json == nil ? "GET" : "POST")
    request.timeoutInterval = 120
    if let json {
      request.httpBody = try JSONSerialization.data(withJSONObject: json)
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    guard (200..<300).contains(status) else {
      throw LaunchError.didNotStart(
        reason: "control \(request.httpMethod ?? "") \(path) answered \(status)",
        stderr: String(decoding: data, as: UTF8.self))
    }
    return data
  }

  /// `GET /_fake/state` as a JSON dictionary.
  public func state() async throws -> [String: Any] {
    let data = try await control("/_fake/state")
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
  }

  /// `GET /_fake/servers/{id}` as a JSON dictionary.
  public func serverRecord(_ id: String) async throws -> [String: Any] {
    let data = try await control("/_fake/servers/\(id)")
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
  }

  /// Terminates the fake and removes its temporary directory. Safe to call twice.
  public func stop() {
    let alreadyStopped = lock.withLock { () -> Bool in
      defer { stopped = true }
      return stopped
    }
    guard !alreadyStopped else { return }
    Self.terminate(process)
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// SIGTERM, then SIGKILL after 3 s. Polls instead of `waitUntilExit()`, which spins a run loop
  /// and burns a core when called from a Swift concurrency thread on Linux.
  private static func terminate(_ process: Process) {
    guard process.isRunning else { return }
    let pid = process.processIdentifier
    kill(pid, SIGTERM)
    for attempt in 0..<500 {
      if !process.isRunning { return }
      if attempt == 300 { kill(pid, SIGKILL) }
      usleep(10_000)
    }
  }

  deinit {
    stop()
  }
}
