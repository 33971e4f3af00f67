import Assignment
import Foundation
import Leads
import Pipeline
import Review
import Rules
import TestSupport
import YAML

// `make bench`: every speed and memory figure of leadd, each the median of several runs (see bench/README.md).

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}
let leadd = option("--leadd")
/// The bare C file cycle (bench/c/file-cycle.c), the floor for single-lead files.
let fileCycle = option("--file-cycle")
let runs = 5
/// Exits with `status` once `directory` is removed: `exit` runs no deinitializers, and a profile mode's scratch state
/// (hundreds of megabytes) would be left behind in the temporary directory.
func exit(_ status: Int32, removing directory: TemporaryDirectory) -> Never {
    try? FileManager.default.removeItem(atPath: directory.path)
    exit(status)
}

// `leadd-bench --write-leads N [--seed S] FILE`: the synthetic leads as an NDJSON file, for profiling by hand; with
// another seed than the figures', the training leads of the profile-guided build (bench/pgo-train.sh).
if let count = option("--write-leads").flatMap({ Int($0) }), let path = arguments.last {
    var generator = LeadGenerator(seed: option("--seed").flatMap { UInt64($0) } ?? 20_261_129)
    let text = (1...count).map { generator.nextLine(id: $0) + "\n" }.joined()
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    exit(0)
}
/// Synthetic line `number` as a record; nil for the lines that are messy on purpose.
func leadRecord(_ line: [UInt8], number: Int) -> LeadRecord? {
    line.withUnsafeBufferPointer { buffer in
        guard let document = try? JSONParser.parseDocument(buffer, maxDepth: 64),
            document.kind(LeadDocument.root) == .object
        else { return nil }
        return LeadRecord(
            origin: LeadOrigin(file: "bench", line: number, record: number, byteOffset: 0),
            document: document
        )
    }
}

/// The first `count` synthetic leads that parse, as records, for the profiling modes.
func syntheticRecords(_ count: Int) -> [LeadRecord] {
    var generator = LeadGenerator(seed: 20_261_129)
    return (1...count).compactMap { id in leadRecord(Array(generator.nextLine(id: id).utf8), number: id) }
}

// `leadd-bench --profile-parse N`: only parsing of N synthetic lines to documents, ten times over.
if let count = option("--profile-parse").flatMap({ Int($0) }) {
    var generator = LeadGenerator(seed: 20_261_129)
    let lines = (1...count).map { Array(generator.nextLine(id: $0).utf8) }
    var nodes = 0
    let elapsed = ContinuousClock().measure {
        for _ in 0..<10 {
            for line in lines {
                let document = line.withUnsafeBufferPointer { try? JSONParser.parseDocument($0, maxDepth: 64) }
                nodes += document?.withView { $0.end(LeadDocument.root) } ?? 0
            }
        }
    }
    print("\(Int(Double(count * 10) / elapsed.inSeconds)) leads/s (\(nodes) nodes)")
    exit(0)
}

// `leadd-bench --profile-evaluate N`: only evaluation of N synthetic leads with the shipped rules, ten times over,
// for `perf record`.
if let count = option("--profile-evaluate").flatMap({ Int($0) }) {
    let records = syntheticRecords(count)
    guard let program = RuleCompiler.compile(directory: "rules").program else { exit(1) }
    let clock = ContinuousClock()
    var checksum = DecisionChecksum()
    let elapsed = clock.measure {
        for _ in 0..<10 { evaluateAll(records, program, now: 1_795_910_400, into: &checksum) }
    }
    print("\(Int(Double(records.count * 10) / elapsed.inSeconds)) leads/s (\(checksum))")
    exit(0)
}
// `leadd-bench --evaluate-rates N`: the evaluate figures alone on N synthetic leads, for comparing builds: leads just
// read (the figure), and leads parsed long before (out of the caches).
if let count = option("--evaluate-rates").flatMap({ Int($0) }) {
    var generator = LeadGenerator(seed: 20_261_129)
    let lines = (1...count).map { Array(generator.nextLine(id: $0).utf8) }
    let records = lines.enumerated().compactMap { leadRecord($1, number: $0 + 1) }
    guard let program = RuleCompiler.compile(directory: "rules").program else { exit(1) }
    var checksum = DecisionChecksum()
    let fresh = (0..<runs).map { _ in
        Double(records.count) / evaluationSeconds(lines, program, now: 1_795_910_400, into: &checksum)
    }
    let cold = time(runs: runs) { evaluateAll(records, program, now: 1_795_910_400, into: &checksum) }
    print(Figure(name: "evaluate, leads just read", unit: "leads/s", samples: fresh).line)
    print(
        Figure(name: "evaluate, leads read before", unit: "leads/s", samples: cold.map { Double(records.count) / $0 })
            .line
    )
    exit(0)
}
// `leadd-bench --profile-assign N`: only assignment of the qualified among N synthetic leads, decided once, in
// batches of 1,000 on a fresh state directory, three times over, for `perf record`.
if let count = option("--profile-assign").flatMap({ Int($0) }) {
    guard let program = RuleCompiler.compile(directory: "rules").program, let plan = program.assignment else { exit(1) }
    let items: [Assigner.Item] = syntheticRecords(count).compactMap { record in
        let decision = program.evaluate(record, now: 1_795_910_400)
        return decision.placement == nil ? nil : Assigner.Item(decision: decision, lead: record)
    }
    let directory = try TemporaryDirectory("leadd-profile")
    let clock = ContinuousClock()
    var owners = 0
    var total = Duration.zero
    for run in 1...3 {
        let assigner = Assigner(plan: plan, store: try AssignmentStore(directory: "\(directory.path)/state-\(run)"))
        total += try clock.measure {
            for start in stride(from: 0, to: items.count, by: 1000) {
                owners += try assigner.assign(Array(items[start..<min(start + 1000, items.count)]))
                    .filter { $0?.owner != nil }.count
            }
        }
    }
    print("\(Int(Double(items.count * 3) / total.inSeconds)) leads/s (\(items.count) qualified, \(owners) owners)")
    exit(0, removing: directory)
}
// `leadd-bench --profile-ledger N`: what a daemon worker does for the state, on N synthetic leads decided once:
// `Ledger.entry` per lead and `Ledger.record` in batches of 1,000 (every decision's row, assignment of the
// qualified), three times over on fresh states, for `perf record` and callgrind (`--toggle-collect` on both).
// `--rules DIR` takes another rules directory (one without `assignment.yaml`, for the cost of the rows alone).
if let count = option("--profile-ledger").flatMap({ Int($0) }) {
    guard let program = RuleCompiler.compile(directory: option("--rules") ?? "rules").program else { exit(1) }
    let items = syntheticRecords(count).map { record in
        Assigner.Item(decision: program.evaluate(record, now: 1_795_910_400), lead: record)
    }
    let directory = try TemporaryDirectory("leadd-profile")
    let clock = ContinuousClock()
    var assigned = 0
    var total = Duration.zero
    for run in 1...3 {
        let store = try AssignmentStore(directory: "\(directory.path)/state-\(run)", remembersKeys: true)
        let ledger = Ledger(store: store, plan: program.assignment)
        total += try clock.measure {
            for start in stride(from: 0, to: items.count, by: 1000) {
                // As a worker does: each lead's entry made when it is decided, then the batch recorded.
                let batch = items[start..<min(start + 1000, items.count)].map { ledger.entry($0) }
                for case .decided(let record?) in try ledger.record(batch, claim: "profile-\(start)") {
                    if record.opportunity?.owner != nil { assigned += 1 }
                }
            }
        }
    }
    print("\(Int(Double(items.count * 3) / total.inSeconds)) leads/s (\(items.count) leads, \(assigned) owners)")
    exit(0, removing: directory)
}
// `leadd-bench --profile-process FILE [--rules DIR]`: what one daemon worker does with FILE's leads in files of 5,000
// (`FileProcessor.process`: read, decide, record, assign, stage, commit, publish), one file after another on a new
// spool and state, once, for callgrind (`--toggle-collect` on `FileProcessor.process`): the whole per-lead cost
// that assignment adds to.
if let path = option("--profile-process") {
    guard let program = RuleCompiler.compile(directory: option("--rules") ?? "rules").program,
        let text = FileManager.default.contents(atPath: path)
    else { exit(1) }
    let directory = try TemporaryDirectory("leadd-profile")
    let spool = try Spool(root: "\(directory.path)/spool")
    // Lines found by a plain scan of the bytes: `split` calls its separator test per byte, and over `Data` also
    // copies each byte out; either way it made most of a profile's instructions.
    let bytes = [UInt8](text)
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    for index in bytes.indices where bytes[index] == 0x0A {
        if index > start { lines.append(bytes[start..<index]) }
        start = index + 1
    }
    if start < bytes.count { lines.append(bytes[start...]) }
    try DaemonFigures.writeBatches(lines, inbox: spool.inbox)
    let store = try AssignmentStore(directory: "\(directory.path)/state", remembersKeys: true)
    let processor = FileProcessor(program: program, ledger: Ledger(store: store, plan: program.assignment))
    let names = try FileManager.default.contentsOfDirectory(atPath: spool.inbox).sorted()
    var decided = 0
    let elapsed = try ContinuousClock().measure {
        for (index, name) in names.enumerated() {
            guard let file = try ClaimedFile.claim(name, in: spool, id: "\(1_795_910_400 + index).1.\(index)") else {
                continue
            }
            decided += try processor.process(file, now: 1_795_910_400).decisions.values.reduce(0, +)
        }
    }
    print("\(Int(Double(decided) / elapsed.inSeconds)) leads/s (\(decided) leads decided)")
    exit(0, removing: directory)
}
// `leadd-bench --profile-replay N [--owners]`: only what-if replay (no owners, unless `--owners`: simulated, as
// `leadd replay` does by default) of N synthetic leads in ten archived files, the bench's candidate (the MQL threshold
// raised), three times over, for `perf record`.
if let count = option("--profile-replay").flatMap({ Int($0) }) {
    let directory = try TemporaryDirectory("leadd-profile")
    var generator = LeadGenerator(seed: 20_261_129)
    let lines = (1...count).map { Array(generator.nextLine(id: $0).utf8) }
    let now = 1_795_910_400
    for file in 0..<10 {
        let slice = lines[(file * count / 10)..<((file + 1) * count / 10)]
        try ndjsonData(slice).write(
            to: URL(fileURLWithPath: "\(directory.path)/\(now * 1_000_000_000 + file).1.\(file)--leads-\(file).ndjson")
        )
    }
    try FileManager.default.copyItem(atPath: "rules", toPath: "\(directory.path)/candidate")
    let qualification = "\(directory.path)/candidate/qualification.yaml"
    try String(contentsOfFile: qualification, encoding: .utf8)
        .replacingOccurrences(of: "{stage: mql, when: score >= 40}", with: "{stage: mql, when: score >= 45}")
        .write(toFile: qualification, atomically: true, encoding: .utf8)
    guard let current = RuleCompiler.compile(directory: "rules").program,
        let candidate = RuleCompiler.compile(directory: "\(directory.path)/candidate").program
    else { exit(1) }
    let sources = try ReplaySource.archive(directory.path)
    let replay = Replay(current: current, candidate: candidate, owners: CommandLine.arguments.contains("--owners"))
    var report: ReplayReport?
    let elapsed = try ContinuousClock().measure {
        for _ in 0..<3 { report = try replay.run(sources) }
    }
    print("\(Int(Double(count * 3) / elapsed.inSeconds)) leads/s (\(report?.changedLeads ?? 0) changed)")
    exit(0, removing: directory)
}
let leadCount = ProcessInfo.processInfo.environment["LEADD_BENCH_LEADS"].flatMap { Int($0) } ?? 100_000

print("leadd-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Date().formatted(.iso8601))")
// What the machine still has to write (`make bench` comes right after a release build's hundreds of megabytes) is
// written now: the kernel writes dirty pages back some 30 seconds after they were written, and would do it in the
// middle of the first figures that use the disk, on the same cores and the same disk.
sync()

// The same synthetic leads for every figure.
var generator = LeadGenerator(seed: 20_261_129)
let lines: [[UInt8]] = (1...leadCount).map { Array(generator.nextLine(id: $0).utf8) }
let totalBytes = lines.reduce(0) { $0 + $1.count + 1 }
print("leads: \(leadCount) synthetic leads, \(totalBytes / leadCount) bytes each on average")

func report(_ figure: Figure) {
    print(figure.line)
}

// JSON parsing alone, one lead per line: leadd's parser against Foundation's.
var parsed = 0
let ours = time(runs: runs) {
    parsed = 0
    for line in lines {
        let ok = line.withUnsafeBufferPointer { buffer in
            (try? JSONParser.parseDocument(buffer, maxDepth: 64)) != nil
        }
        if ok { parsed += 1 }
    }
}
report(
    Figure(name: "json parse, leadd's parser (1 core)", unit: "leads/s", samples: ours.map { Double(leadCount) / $0 })
)

let data = lines.map { Data($0) }
var foundationParsed = 0
let foundation = time(runs: runs) {
    foundationParsed = 0
    for line in data where (try? JSONSerialization.jsonObject(with: line)) != nil {
        foundationParsed += 1
    }
}
report(
    Figure(
        name: "json parse, Foundation JSONSerialization",
        unit: "leads/s",
        samples: foundation.map { Double(leadCount) / $0 }
    )
)
print(
    "  (both parsers accepted \(parsed) and \(foundationParsed) of \(leadCount) leads; the rest are messy on purpose)"
)

// The NDJSON reader over a file: read(2) in chunks, split lines, parse, make records.
let directory = try TemporaryDirectory("leadd-bench")
let ndjson = "\(directory.path)/leads.ndjson"
try ndjsonData(lines).write(to: URL(fileURLWithPath: ndjson))
var records = 0
let reader = time(runs: runs) {
    records = 0
    for case .record in LeadFileReader(path: ndjson) { records += 1 }
}
report(
    Figure(
        name: "ndjson read (file to records, 1 core)",
        unit: "leads/s",
        samples: reader.map { Double(leadCount) / $0 }
    )
)
report(Figure(name: "ndjson read throughput", unit: "MB/s", samples: reader.map { Double(totalBytes) / $0 / 1e6 }))

// Rules: compiling the shipped set and a generated set of 5,000 rules; evaluating the shipped set.
let shipped = RuleCompiler.compile(directory: "rules")
guard let program = shipped.program else {
    print("leadd-bench: the shipped rules do not compile:\n\(shipped.diagnostics.rendered())")
    exit(1)
}
report(
    Figure(
        name: "rules compile, shipped set (\(program.ruleIDs.count) rules)",
        unit: "ms",
        samples: time(runs: runs) {
            _ = RuleCompiler.compile(directory: "rules")
        }.map { $0 * 1000 }
    )
)
let generated = "\(directory.path)/generated-rules"
try RuleSetGenerator.write(rules: 5000, files: 10, into: generated)
let generatedResult = RuleCompiler.compile(directory: generated)
guard generatedResult.program != nil else {
    print("leadd-bench: the generated rules do not compile:\n\(generatedResult.diagnostics.prefix(5).rendered())")
    exit(1)
}
report(
    Figure(
        name: "rules compile, generated set (5,000 rules)",
        unit: "ms",
        samples: time(runs: runs) {
            _ = RuleCompiler.compile(directory: generated)
        }.map { $0 * 1000 }
    )
)

/// The synthetic leads that parse, each with its line.
let parsedLeads: [(line: [UInt8], record: LeadRecord)] = lines.enumerated().compactMap { index, line in
    leadRecord(line, number: index + 1).map { (line, $0) }
}
let leadRecords = parsedLeads.map(\.record)
let evaluationNow = 1_795_910_400.0  // 2026-11-29, when the synthetic events are recent
// Evaluation alone, as a worker meets each lead: just read, in the caches (`evaluationSeconds`).
var evaluationChecksum = DecisionChecksum()
let evaluation = (0..<runs).map { _ in
    evaluationSeconds(lines, program, now: evaluationNow, into: &evaluationChecksum)
}
report(
    Figure(
        name: "evaluate, shipped rules (1 core)",
        unit: "leads/s",
        samples: evaluation.map { Double(leadRecords.count) / $0 }
    )
)
print("  (checksum of the \(runs) runs: \(evaluationChecksum))")
// The same over the leads parsed before the runs: every lead's document comes from memory, not the caches.
let coldEvaluation = time(runs: runs) {
    evaluateAll(leadRecords, program, now: evaluationNow, into: &evaluationChecksum)
}
report(
    Figure(
        name: "evaluate, leads parsed before (1 core)",
        unit: "leads/s",
        samples: coldEvaluation.map { Double(leadRecords.count) / $0 }
    )
)
// Parse and evaluation together, from the NDJSON file, as one worker of the daemon does them.
var decided = 0
let readAndEvaluate = time(runs: runs) {
    decided = 0
    for case .record(let record) in LeadFileReader(path: ndjson) {
        if !program.evaluate(record, now: evaluationNow).stage.isEmpty { decided += 1 }
    }
}
report(
    Figure(
        name: "ndjson read + evaluate (1 core)",
        unit: "leads/s",
        samples: readAndEvaluate.map { Double(leadCount) / $0 }
    )
)
// The stages, counted once outside the timed runs (a dictionary per lead is not evaluation's cost).
var stageCounts: [String: Int] = [:]
for record in leadRecords { stageCounts[program.evaluate(record, now: evaluationNow).stage, default: 0] += 1 }
print("  (stages: \(stageCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")

/// The leads the shipped rules send to an assigned route: assignment's figures, alone and end to end.
let qualifiedLeads = parsedLeads.filter { program.evaluate($0.record, now: evaluationNow).placement != nil }
let qualifiedLines = qualifiedLeads.map(\.line)

// Assignment: the shipped teams, on the qualified leads, in batches of 1,000 per transaction on a real SQLite file,
// as the daemon records them (each lead's entry, then the batch in one transaction), with the shipped rules and with
// the same leads' decisions recorded without assignment: the difference is assignment's own work, state writes
// included. The decisions are made once, before the runs.
if let plan = program.assignment {
    let qualified = qualifiedLeads.map(\.record)
    let batches: [[Assigner.Item]] = stride(from: 0, to: qualified.count, by: 1000).map { start in
        qualified[start..<min(start + 1000, qualified.count)].map { record in
            Assigner.Item(decision: program.evaluate(record, now: evaluationNow), lead: record)
        }
    }
    var run = 0
    var owners = 0
    /// One run's seconds, on a new state. The owners are counted from the state afterwards, not timed (reading a
    /// record back parses its JSON, which the daemon never does).
    func record(_ assigned: AssignmentPlan?) throws -> [Double] {
        run += 1
        let store = try AssignmentStore(directory: "\(directory.path)/state-\(run)", remembersKeys: true)
        let ledger = Ledger(store: store, plan: assigned)
        let seconds = try time(runs: 1) {
            for (index, batch) in batches.enumerated() {
                _ = try ledger.record(batch.map(ledger.entry), claim: "bench-\(index)")
            }
        }
        if assigned != nil {
            owners = try AssignmentReport(store: store, plan: nil, since: nil).entries.count { $0.owner != nil }
        }
        return seconds
    }
    // Alternately, so that both see the machine alike.
    var with: [Double] = []
    var without: [Double] = []
    for _ in 0..<runs {
        with += try record(plan)
        without += try record(nil)
    }
    report(
        Figure(
            name: "record, qualified leads, with assignment (1 core)",
            unit: "leads/s",
            samples: with.map { Double(qualified.count) / $0 }
        )
    )
    report(
        Figure(
            name: "record, the same leads, without assignment",
            unit: "leads/s",
            samples: without.map { Double(qualified.count) / $0 }
        )
    )
    report(
        Figure(
            name: "assignment's own work, per qualified lead",
            unit: "µs",
            samples: zip(with, without).map { ($0 - $1) / Double(qualified.count) * 1e6 }
        )
    )
    print("  (\(qualified.count) qualified leads; \(owners) got an owner, the rest a queue once caps filled)")
}

// What-if replay: archived files (the synthetic leads, claimed at `evaluationNow`) decided under the shipped rules
// and a candidate (the MQL threshold raised from 40 to 45), compared; with owners simulated, and without.
let replayLeads = min(leadCount, 20_000)
let archive = "\(directory.path)/archive"
try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: true)
for file in 0..<10 {
    let slice = lines[(file * replayLeads / 10)..<((file + 1) * replayLeads / 10)]
    let name = String(Int(evaluationNow) * 1_000_000_000 + file) + ".1.\(file)--leads-\(file).ndjson"
    try ndjsonData(slice).write(to: URL(fileURLWithPath: "\(archive)/\(name)"))
}
let candidateDirectory = "\(directory.path)/candidate-rules"
try FileManager.default.copyItem(atPath: "rules", toPath: candidateDirectory)
let qualificationPath = "\(candidateDirectory)/qualification.yaml"
try String(contentsOfFile: qualificationPath, encoding: .utf8)
    .replacingOccurrences(of: "{stage: mql, when: score >= 40}", with: "{stage: mql, when: score >= 45}")
    .write(toFile: qualificationPath, atomically: true, encoding: .utf8)
if let candidateProgram = RuleCompiler.compile(directory: candidateDirectory).program {
    let sources = try ReplaySource.archive(archive)
    var replayed: ReplayReport?
    for owners in [false, true] {
        let replay = Replay(current: program, candidate: candidateProgram, owners: owners)
        let seconds = try time(runs: runs) { replayed = try replay.run(sources) }
        report(
            Figure(
                name: "replay, two rule sets\(owners ? ", owners simulated" : "") (1 core)",
                unit: "leads/s",
                samples: seconds.map { Double(replayLeads) / $0 }
            )
        )
    }
    if let replayed {
        print(
            "  (\(replayed.leads) leads replayed, \(replayed.changedLeads) changed, \(replayed.stageChanges) changed stage)"
        )
    }
}

// Peak memory of `leadd parse` streaming a 1 GB NDJSON file.
var bigLeads = 0
if let leadd {
    let big = "\(directory.path)/big.ndjson"
    try Data().write(to: URL(fileURLWithPath: big))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
    let block = ndjsonData(lines)
    var size = 0
    let bigBytes = (ProcessInfo.processInfo.environment["LEADD_BENCH_BIG_MB"].flatMap { Int($0) } ?? 1000) * 1_000_000
    while size < bigBytes {
        try handle.write(contentsOf: block)
        size += block.count
    }
    // On disk before the figures that follow: written back 30 seconds later, its gigabyte would compete with the
    // daemon's own writes and syncs in whichever figure was running then (the assignment figures, as a rule).
    try handle.synchronize()
    try handle.close()
    var peaks: [Double] = []
    var seconds: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        let result = try ProcessRunner.run(leadd, ["parse", big], stdoutPath: "/dev/null")
        let elapsed = ContinuousClock.now - start
        seconds.append(elapsed.inSeconds)
        peaks.append(Double(result.peakRSS) / 1_048_576)
    }
    report(Figure(name: "leadd parse, peak RSS on \(size / 1_000_000) MB NDJSON", unit: "MiB", samples: peaks))
    bigLeads = size / totalBytes * leadCount
    report(
        Figure(
            name: "leadd parse, \(size / 1_000_000) MB NDJSON to NDJSON",
            unit: "MB/s",
            samples: seconds.map { Double(size) / $0 / 1e6 }
        )
    )

    // The daemon, end to end, durability on.
    let daemon = DaemonFigures(leadd: leadd, lines: lines, runs: runs, scratch: directory.path)
    report(try daemon.batches())
    for figure in try daemon.assignmentCost(qualified: qualifiedLines) { report(figure) }
    for figure in try daemon.assignmentInstructions(qualified: qualifiedLines) ?? [] { report(figure) }
    for figure in try daemon.singleFiles(fileCycle: fileCycle) { report(figure) }
    report(try daemon.startup())
    report(try daemon.reload())
    for figure in try daemon.bigFile(big, leads: bigLeads, runs: 3) { report(figure) }
} else {
    print("(pass --leadd PATH for the figures of the leadd binary)")
}

// Globals are not deinitialised at exit: remove the gigabyte of scratch files now.
try FileManager.default.removeItem(atPath: directory.path)
