import Foundation

/// A lead file to replay, and the time its leads were decided at.
public struct ReplaySource: Sendable, Hashable {
    public var path: String
    /// Seconds since 1970.
    public var now: Double

    public init(path: String, now: Double) {
        self.path = path
        self.now = now
    }

    /// The name decisions give as their origin: an archived file's name as it was in the inbox, else the path.
    public var originName: String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard Self.claimTime(ofArchivedName: name) != nil, let marker = name.range(of: "--") else { return path }
        return String(name[marker.upperBound...])
    }

    /// The claim time in an archived name (`ID--NAME`, the ID starting with the claim time in nanoseconds): the
    /// daemon decides every lead of a file at the second it claimed it, so this is the `now` it used.
    public static func claimTime(ofArchivedName name: String) -> Double? {
        let digits = name.utf8.prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard digits.count == 19, name.utf8.dropFirst(19).first == UInt8(ascii: "."),
            name.contains("--"), let nanoseconds = Int(String(decoding: digits, as: UTF8.self))
        else { return nil }
        return Double(nanoseconds / 1_000_000_000)
    }

    /// The files of an archive folder claimed at or after `since`, oldest first (the order they were decided in).
    public static func archive(_ folder: String, since: Double? = nil) throws -> [ReplaySource] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        return names.compactMap { name in
            guard !name.hasPrefix("."), let now = claimTime(ofArchivedName: name) else { return nil }
            if let since, now < since { return nil }
            return ReplaySource(path: folder + "/" + name, now: now)
        }
    }
}
