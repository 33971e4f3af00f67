/// "did you mean" for misspelt names: the closest candidate by edit distance, if it is close enough.
package enum Suggestion {
    /// The candidate nearest to `name`, within a third of its length (at least 1, at most 3 edits); failing
    /// that, the shortest candidate that `name` begins, or the longest one that begins `name`.
    package static func closest(to name: String, in candidates: some Collection<String>) -> String? {
        let limit = min(3, max(1, name.count / 3))
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(Array(name.lowercased()), Array(candidate.lowercased()))
            if distance <= limit, best.map({ distance < $0.distance }) ?? true {
                best = (candidate, distance)
            }
        }
        if let best { return best.candidate }
        // A name cut short ("int" for "integer", "company.employ") is a prefix of what was meant.
        guard name.count >= 3 else { return nil }
        let lowered = name.lowercased()
        if let longer = candidates.filter({ $0.lowercased().hasPrefix(lowered) }).min(by: { $0.count < $1.count }) {
            return longer
        }
        // Or a name with something added ("lowercase" for "lower").
        return candidates.filter { $0.count >= 3 && lowered.hasPrefix($0.lowercased()) }.max { $0.count < $1.count }
    }

    /// Levenshtein distance, with a swap of two neighbours counted as one edit.
    package static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
