import Foundation
import Leads
import Rules

/// One figure: the median of several runs, with the spread, printed on one line.
struct Figure {
    var name: String
    var unit: String
    var samples: [Double]

    var median: Double {
        let sorted = samples.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    var line: String {
        let spread =
            "median of \(samples.count); min \(Self.format(samples.min() ?? 0)), max \(Self.format(samples.max() ?? 0))"
        return "\(name.padding(to: 46)) \(Self.format(median).leftPadding(to: 12)) \(unit.padding(to: 8)) (\(spread))"
    }

    static func format(_ value: Double) -> String {
        if value >= 100 {
            let digits = String(Int(value.rounded()))
            var grouped = ""
            for (index, character) in digits.reversed().enumerated() {
                if index > 0 && index % 3 == 0 { grouped.append(",") }
                grouped.append(character)
            }
            return String(grouped.reversed())
        }
        let scaled = (value * 100).rounded() / 100
        return String(scaled)
    }
}

/// Runs `body` `runs` times and returns how long each run took, in seconds.
func time(runs: Int, _ body: () throws -> Void) rethrows -> [Double] {
    let clock = ContinuousClock()
    var seconds: [Double] = []
    for _ in 0..<runs {
        let elapsed = try clock.measure(body)
        seconds.append(elapsed.inSeconds)
    }
    return seconds
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadding(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

/// What the decisions of an evaluation run add up to: a change to the evaluator that changes a result shows in it,
/// and folding each decision into it keeps the optimizer from dropping the evaluation.
struct DecisionChecksum: CustomStringConvertible {
    var sql = 0
    var points = 0.0
    var fired = 0

    var description: String { "\(sql) sql, \(points) points, \(fired) fired" }
}

/// Evaluates each record once at `now`: the loop of the evaluate figure and of `--profile-evaluate`, so a profile
/// sees what the figure times. The records are read in place: `for record in records` copies each one (a retain and
/// a release of each of its arrays and of its file name, per lead), which is the loop's cost, not evaluation's.
func evaluateAll(_ records: [LeadRecord], _ program: Program, now: Double, into sum: inout DecisionChecksum) {
    records.withUnsafeBufferPointer { records in
        for index in records.indices {
            let decision = program.evaluate(records[index], now: now)
            if decision.stage == "sql" { sum.sql += 1 }
            sum.points += decision.total
            sum.fired += decision.fired.count + decision.disqualifications.count
        }
    }
}

/// Evaluation as a daemon worker meets it: each lead evaluated just after it was read, its document still in the
/// processor's caches. The lines are parsed `chunk` at a time (not timed), then that chunk's leads are evaluated
/// (timed): the seconds of evaluation alone. Timing a loop over leads parsed long before measures, besides
/// evaluation, the memory's latency for each lead's document (about 300 MB for 100,000 leads), which no worker
/// waits for.
func evaluationSeconds(
    _ lines: [[UInt8]],
    _ program: Program,
    now: Double,
    chunk: Int = 64,
    into sum: inout DecisionChecksum
) -> Double {
    let clock = ContinuousClock()
    var elapsed = Duration.zero
    var records: [LeadRecord] = []
    records.reserveCapacity(chunk)
    for start in stride(from: 0, to: lines.count, by: chunk) {
        records.removeAll(keepingCapacity: true)
        for number in start..<min(start + chunk, lines.count) {
            if let record = leadRecord(lines[number], number: number + 1) { records.append(record) }
        }
        elapsed += clock.measure { evaluateAll(records, program, now: now, into: &sum) }
    }
    return elapsed.inSeconds
}

/// `lines` as NDJSON: each line's bytes, then a newline. Each line appended whole: `joined(separator:)` walks the lines
/// a byte at a time.
func ndjsonData<Lines: Collection>(_ lines: Lines) -> Data where Lines.Element: Collection<UInt8> {
    var bytes: [UInt8] = []
    for line in lines {
        bytes.append(contentsOf: line)
        bytes.append(0x0A)
    }
    return Data(bytes)
}
