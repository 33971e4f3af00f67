import Foundation

/// The numbers of the randomized tests: the same ones each run, from a seed, so a failure comes back until it is
/// fixed. `SEED=N` in the environment starts from another seed and `ROUNDS=N` runs more rounds, to search further:
/// `SEED=7 ROUNDS=40000 swift test --filter LiteralRegexRandom`.
public struct TestRandom {
    private var state: UInt64

    /// From the seed `SEED` names in the environment, or else from `seed`.
    public init(seed: UInt64 = 20_261_203) {
        state = ProcessInfo.processInfo.environment["SEED"].flatMap { UInt64($0) } ?? seed
    }

    /// The next number, from 0 to 2^31 - 1: the high bits of a 64-bit linear congruential generator.
    public mutating func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: state >> 33)
    }

    /// A number in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + next() % range.count
    }

    /// One of `items`, which are not empty.
    public mutating func pick<T>(_ items: [T]) -> T { items[next() % items.count] }

    /// The rounds a test runs: `ROUNDS` from the environment, or else `count`.
    public static func rounds(_ count: Int) -> Int {
        ProcessInfo.processInfo.environment["ROUNDS"].flatMap { Int($0) } ?? count
    }
}
