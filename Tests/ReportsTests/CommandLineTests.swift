import Foundation
import Testing

/// The built `stackledger` executable against the fixture database: exit codes and usage
/// errors of the report commands.
@Suite("report commands")
struct CommandLineTests {
  let fixture: ReportFixture

  init() throws {
    fixture = try ReportFixture()
  }

  /// Runs the executable built next to the test bundle; returns (exit code, stdout, stderr).
  func run(_ arguments: [String]) throws -> (Int32, String, String) {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [
      directory.appendingPathComponent("stackledger"),
      directory.deletingLastPathComponent().appendingPathComponent("stackledger"),
    ]
    let executable = try #require(
      candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
      "build the executable first: swift build --build-tests")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments + ["--database-url", fixture.database.url]
    var environment = ProcessInfo.processInfo.environment
    environment["COLUMNS"] = "100"
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: outData, as: UTF8.self),
      String(decoding: errData, as: UTF8.self)
    )
  }

  @Test func driftExitCodeIsTwoWithDriftAndZeroWithout() throws {
    let (drift, output, _) = try run([
      "report", "drift", "--scope", "1", "--since", "run:1", "--until", "run:3", "--exit-code",
    ])
    #expect(drift == 2)
    #expect(
      output.contains(
        "~ server web-1 (11111111-0000-4000-8000-000000000001): status ACTIVE → SHUTOFF"))
    #expect(output.hasSuffix("Drift: 2 added, 0 removed, 3 changed.\n"))
    let (none, quiet, _) = try run([
      "report", "drift", "--scope", "1", "--since", "run:5", "--until", "run:5", "--exit-code",
    ])
    #expect(none == 0)
    #expect(quiet.hasSuffix("No drift.\n"))
    let (withoutFlag, _, _) = try run(["report", "drift", "--scope", "1", "--since", "run:1"])
    #expect(withoutFlag == 0)
  }

  @Test func unknownColumnIsAUsageErrorListingTheValidOnes() throws {
    let (status, _, error) = try run(["runs", "-c", "run_id", "-c", "bogus"])
    #expect(status == 64)
    #expect(error.contains("unknown column 'bogus'; valid columns: run_id, scope_id, scope"))
  }

  @Test func columnsPickAndOrderInTheCommand() throws {
    let (status, output, _) = try run([
      "runs", "--limit", "2", "-f", "csv", "-c", "status", "-c", "run_id",
    ])
    #expect(status == 0)
    #expect(output == "status,run_id\r\nfailed,6\r\nsucceeded,5\r\n")
  }

  @Test func badPointsAndFormatsAreUsageErrors() throws {
    #expect(try run(["report", "drift", "--since", "no-such-baseline"]).0 == 64)
    #expect(try run(["report", "drift"]).0 == 64)
    #expect(try run(["report", "lifecycle", "-f", "yaml"]).0 == 64)
    #expect(try run(["history", "nope"]).0 == 1)
  }

  @Test func tablesFitColumnsFromTheEnvironment() throws {
    let (status, output, _) = try run(["history", "web-1", "--scope", "1"])
    #expect(status == 0)
    for line in output.split(separator: "\n") {
      #expect(line.count <= 100, "\(line)")
    }
  }
}
