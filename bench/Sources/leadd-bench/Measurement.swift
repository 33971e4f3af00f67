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
