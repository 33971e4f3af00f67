/// The YAML module's message catalog.
extension Diagnostic.Message {
    static func syntax(_ problem: String) -> Self { .init(problem) }
    static func syntaxContext(_ context: String) -> Self { .init(context) }
    static func invalidUTF8(_ byte: UInt8) -> Self {
        .init("invalid UTF-8 (byte 0x\(hex(byte))); save the file as UTF-8")
    }
    static func readerProblem(_ problem: String, _ value: Int32) -> Self {
        value >= 0 ? .init("\(problem) (0x\(hex(UInt8(truncatingIfNeeded: value))))") : .init(problem)
    }
    static let tabIndentation = Self("tab character used for indentation; indent with spaces")
    static func duplicateKey(_ key: String) -> Self { .init("duplicate key '\(key)'") }
    static let firstDefinedHere = Self("first defined here")
    static let nonScalarKey = Self("mapping keys must be scalars")
    static func anchor(_ name: String) -> Self {
        .init("yaml anchors and aliases are not supported (found anchor '&\(name)'); repeat the value instead")
    }
    static func alias(_ name: String) -> Self {
        .init("yaml anchors and aliases are not supported (found alias '*\(name)'); repeat the value instead")
    }
    static func tag(_ tag: String) -> Self {
        .init("yaml tags are not supported (found '\(tag)'); quote a value to make it a string")
    }
    static let secondDocument = Self("expected a single document, found a second one")
    static let firstDocumentHere = Self("the first document starts here")

    /// "expected a number, found 'ten'"
    package static func expected(_ what: String, found scalar: YAMLScalar) -> Self {
        if scalar.style.isPlain {
            return .init("expected \(what), found '\(scalar.value)'")
        }
        return .init("expected \(what), found the \(scalar.style.rawValue) string '\(scalar.value)'")
    }

    /// "expected a mapping, found a sequence"
    package static func expected(_ what: String, found node: YAMLNode) -> Self {
        if case .scalar(let scalar) = node {
            return expected(what, found: scalar)
        }
        return .init("expected \(what), found \(node.kindDescription)")
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
