import Foundation
import Rules
import TestSupport
import Testing
import YAML

@testable import Leads

/// 2026-11-29T00:00:00Z, the fixed `now` of these tests.
let testNow = 1_795_910_400.0

/// A rules directory made of the given files, compiled.
struct RuleFixture {
    let directory: TemporaryDirectory
    let result: RuleCompiler.Result

    init(_ files: [String: String]) throws {
        directory = try TemporaryDirectory("rules")
        try FileManager.default.createDirectory(atPath: directory.path + "/lists", withIntermediateDirectories: true)
        for (name, text) in files {
            try directory.write(name, text)
        }
        result = RuleCompiler.compile(directory: directory.path)
    }

    /// The diagnostics as rendered, with the temporary directory's path removed.
    var rendered: String {
        result.diagnostics.rendered().split(separator: directory.path + "/", omittingEmptySubsequences: false)
            .joined()
    }

    func program() throws -> Program {
        try #require(result.program, "\(rendered)")
    }
}

/// The standard qualification table for fixtures that only test rules.
let qualification = """
    version: 1
    stages:
      - {stage: sql, when: score >= 50}
      - {stage: nurture, otherwise: true}
    routes: {sql: opportunities, nurture: nurture, disqualified: disqualified}
    """

/// A lead record from JSON text.
func lead(_ json: String) throws -> LeadRecord {
    try LeadFixture.record(json)
}

enum ProcessRunnerPaths {
    static var root: String { ProcessRunner.packageRoot }
}
