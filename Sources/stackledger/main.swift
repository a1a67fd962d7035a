import Foundation
import Ledger
import PostgresClient

#if canImport(Glibc)
  import Glibc
#endif

/// Every subcommand, in the order `--help` lists them.
enum Commands {
  static var all: [any Command.Type] {
    [
      MigrateCommand.self, SyncCommand.self, VerifyCommand.self, ReportDriftCommand.self,
      ReportLifecycleCommand.self, HistoryCommand.self, RunsCommand.self, BaselineCommand.self,
    ]
  }
}

func mainUsage() -> String {
  let width = Commands.all.map { $0.name.count }.max() ?? 0
  let list = Commands.all.map {
    "  \($0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0))\($0.abstract)"
  }
  .joined(separator: "\n")
  return """
    stackledger: an audit ledger of an OpenStack cloud's compute servers in PostgreSQL.

    Usage: stackledger <command> [options]     (stackledger <command> --help for details)

    Commands:
    \(list)
    """
}

func runMain() async -> Int32 {
  var words = Array(CommandLine.arguments.dropFirst())
  guard let name = words.first, !["-h", "--help", "help"].contains(name) else {
    Console.out(mainUsage())
    return words.isEmpty ? ExitCode.usage : ExitCode.ok
  }
  words.removeFirst()
  var commandType: (any Command.Type)? = Commands.all.first { $0.name == name }
  if name == "report", let sub = words.first {
    commandType = Commands.all.first { $0.name == "report \(sub)" }
    words.removeFirst()
  }
  guard let commandType else {
    Console.err("Error: unknown command '\(name)'\n\n\(mainUsage())")
    return ExitCode.usage
  }
  var arguments = Arguments(words)
  if arguments.flag("-h", "--help") {
    Console.out(commandType.usage)
    return ExitCode.ok
  }
  do {
    let command = try commandType.init(parsing: &arguments)
    try arguments.finish()
    try command.validate()
    return try await command.run()
  } catch let error as UsageError {
    Console.err("Error: \(error.description)\n\n\(commandType.usage)")
    return ExitCode.usage
  } catch {
    Console.err("Error: \(error)")
    return ExitCode.failure
  }
}

#if canImport(Glibc)
  // glibc gives each thread that finds the heap busy an arena of its own (up to 8 per core), and
  // memory freed in one arena is not reused by the others: a sync whose pages are decoded on
  // worker threads and staged on another peaked 40% higher and used 20% more CPU than with two
  // arenas (100k servers, scripts/bench). -8 is M_ARENA_MAX in <malloc.h>, which Swift does not
  // import as a constant; mallopt itself is looked up because Glibc's module leaves
  // <malloc.h> out.
  if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
    _ = unsafeBitCast(symbol, to: MallOpt.self)(-8, 2)
  }
#endif
exit(await runMain())
