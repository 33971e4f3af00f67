import ArgumentParser

/// The `leadd` command: one thin subcommand per job, each calling the modules that do the work.
@main
struct Leadd: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "leadd",
        abstract: "Qualify and route B2B leads from files, by rules written in YAML.",
        discussion: """
            leadd reads lead files (JSON, NDJSON, CSV, TSV), scores and qualifies each lead by the rules in a \
            rules directory, and writes every decision, explained, to an outbox.
            """,
        version: version,
        subcommands: [
            ParseCommand.self, CheckCommand.self, ScoreCommand.self, AssignCommand.self, AssignmentsCommand.self,
            TestCommand.self, ReplayCommand.self, ReportCommand.self, RunCommand.self, ReloadCommand.self,
        ]
    )
}
