import Foundation
import Testing
import YAML

/// A position in `test.yaml`.
func at(_ line: Int, _ column: Int) -> YAML.SourceLocation {
    YAML.SourceLocation(file: "test.yaml", line: line, column: column)
}

/// Parses text as a YAML file named `test.yaml`.
func parse(_ text: String) throws -> YAMLDocument {
    try YAMLDocument.parse(Array(text.utf8), path: "test.yaml")
}

/// The rendered diagnostics of text that must fail to parse.
func failure(_ bytes: [UInt8]) -> String {
    do {
        _ = try YAMLDocument.parse(bytes, path: "test.yaml")
        return "parsed without error"
    } catch {
        return error.description
    }
}

func failure(_ text: String) -> String {
    failure(Array(text.utf8))
}

struct YAMLParserTests {
    @Test func nestedScalarsCarryLineAndColumn() throws {
        let document = try parse(
            """
            version: 1
            rules:
              - id: fit.enterprise
                when:
                  any:
                    - company.employees >= 1000
                    - "contact.title == 'CEO'"
            """
        )
        let root = try #require(document.root).mapping()
        let rule = try #require(root["rules"]).sequence().items[0].mapping()
        let id = try #require(rule["id"]).scalar()
        #expect(id.value == "fit.enterprise")
        #expect(id.location == at(3, 9))
        let when = try #require(rule["when"]).mapping()
        let any = try #require(when["any"]).sequence()
        let first = try any.items[0].scalar()
        #expect(first.location == at(6, 11))
        #expect(first.span.end == at(6, 36))
        let second = try any.items[1].scalar()
        #expect(second.location == at(7, 11))
        #expect(second.style == .doubleQuoted)
        #expect(root.entries.map(\.key.value) == ["version", "rules"])
        #expect(root.entries[1].key.location == at(2, 1))
    }

    @Test("a file that starts with a byte order mark parses, its first line's columns as an editor shows them")
    func byteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("version: 1\nrules: [a]\n".utf8)
        let document = try YAMLDocument.parse(bytes, path: "test.yaml")
        let root = try #require(document.root).mapping()
        #expect(root.entries.map(\.key.value) == ["version", "rules"])
        #expect(try #require(root["version"]).scalar().location == at(1, 10))
    }

    @Test func scalarStylesAreKept() throws {
        let document = try parse(
            """
            plain: a b
            single: 'it''s'
            double: "tab\\there"
            literal: |
              line one
              line two
            folded: >
              one
              two
            """
        )
        let root = try #require(document.root).mapping()
        let styles = root.entries.map { entry in
            (entry.key.value, (try? entry.value.scalar().style)?.rawValue ?? "?", (try? entry.value.string()) ?? "?")
        }
        #expect(styles.map(\.1) == ["plain", "single-quoted", "double-quoted", "literal", "folded"])
        #expect(styles.map(\.2) == ["a b", "it's", "tab\there", "line one\nline two\n", "one two"])
    }

    @Test func mappingKeysStayInFileOrder() throws {
        let document = try parse("zeta: 1\nalpha: 2\nmike: 3\n")
        let root = try #require(document.root).mapping()
        #expect(root.entries.map(\.key.value) == ["zeta", "alpha", "mike"])
    }

    @Test func emptyFileHasNoRoot() throws {
        #expect(try parse("").root == nil)
        #expect(try parse("# only a comment\n").root == nil)
    }

    @Test func flowCollectionsParse() throws {
        let document = try parse("list: [a, b, c]\nmap: {x: 1, y: 2}\n")
        let root = try #require(document.root).mapping()
        #expect(try #require(root["list"]).sequence().items.count == 3)
        #expect(try #require(root["map"]).mapping().entries.map(\.key.value) == ["x", "y"])
    }

    @Test func tabsOutsideIndentationAreFine() throws {
        let document = try parse("a:\t1\nb: |\n  x\n  \ty\nc: [1,\n\t2]\n")
        let root = try #require(document.root).mapping()
        #expect(root.entries.count == 3)
    }
}

struct YAMLErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var input: [UInt8]
        var rendered: String
        var testDescription: String { name }

        init(_ name: String, _ input: String, _ rendered: String) {
            self.init(name, Array(input.utf8), rendered)
        }

        init(_ name: String, _ input: [UInt8], _ rendered: String) {
            self.name = name
            self.input = input
            self.rendered = rendered
        }
    }

    static let cases: [Case] = [
        Case(
            "syntax error with libyaml's context",
            "a:\n  b: 1\n c: 2\n",
            """
            test.yaml:3:2: error: did not find expected key; check this line's indentation against the lines above it
                3 |  c: 2
                  |  ^
            test.yaml:1:1: note: while parsing a block mapping
                1 | a:
                  | ^
            """
        ),
        Case(
            "mapping value in the wrong place",
            "key: value\n  bad: x\n",
            """
            test.yaml:2:6: error: mapping values are not allowed in this context; this line is indented more than \
            the line above, so YAML reads it as more of that line's value: indent it as the line above
                2 |   bad: x
                  |      ^
            """
        ),
        Case(
            "a value with ': ' in it",
            "# notes\ndescription: Note: big accounts\n",
            """
            test.yaml:2:18: error: mapping values are not allowed in this context; a value with ': ' in it must be \
            quoted, as in key: "a: b"
                2 | description: Note: big accounts
                  |                  ^
            """
        ),
        Case(
            "a value that starts with a character YAML reserves",
            "email: @acme.com\n",
            """
            test.yaml:1:8: error: found character that cannot start any token; a value that starts with '@' must be \
            quoted
                1 | email: @acme.com
                  |        ^
            test.yaml:1:8: note: while scanning for the next token
                1 | email: @acme.com
                  |        ^
            """
        ),
        Case(
            "a value that starts with an alias's indicator",
            "domains: *.acme.com\n",
            """
            test.yaml:1:11: error: did not find expected alphabetic or numeric character; a value that starts with \
            '*' must be quoted
                1 | domains: *.acme.com
                  |           ^
            test.yaml:1:10: note: while scanning an alias
                1 | domains: *.acme.com
                  |          ^
            """
        ),
        Case(
            "a key indented less than its siblings in a list item",
            "rules:\n  - id: a\n    when: x\n  points: 2\n",
            """
            test.yaml:4:3: error: did not find expected '-' indicator; check this line's indentation against the \
            lines above it
                4 |   points: 2
                  |   ^
            test.yaml:2:3: note: while parsing a block collection
                2 |   - id: a
                  |   ^
            """
        ),
        Case(
            "unterminated quoted scalar",
            "a: \"abc\n",
            """
            test.yaml:2:1: error: found unexpected end of stream
                2 | 
                  | ^
            test.yaml:1:4: note: while scanning a quoted scalar
                1 | a: "abc
                  |    ^
            """
        ),
        Case(
            "a file cut short without a final line break: at the end of its last line, not on a line after it",
            "rules:\n  - id: a\n    w",
            """
            test.yaml:3:6: error: could not find expected ':'
                3 |     w
                  |      ^
            test.yaml:3:5: note: while scanning a simple key
                3 |     w
                  |     ^
            """
        ),
        Case(
            "duplicate key, both positions",
            "rules:\n  id: a\n  points: 1\n  id: b\n",
            """
            test.yaml:4:3: error: duplicate key 'id'
                4 |   id: b
                  |   ^~
            test.yaml:2:3: note: first defined here
                2 |   id: a
                  |   ^~
            """
        ),
        Case(
            "anchor and alias",
            "base: &b {points: 5}\nother: *b\n",
            """
            test.yaml:1:7: error: yaml anchors and aliases are not supported (found anchor '&b'); repeat the value instead
                1 | base: &b {points: 5}
                  |       ^~
            test.yaml:2:8: error: yaml anchors and aliases are not supported (found alias '*b'); repeat the value instead
                2 | other: *b
                  |        ^~
            """
        ),
        Case(
            "second document",
            "a: 1\n---\nb: 2\n",
            """
            test.yaml:2:1: error: expected a single document, found a second one
                2 | ---
                  | ^~~
            test.yaml:1:1: note: the first document starts here
                1 | a: 1
                  | ^
            """
        ),
        Case(
            "invalid UTF-8",
            [UInt8]("a: ok\nb: caf".utf8) + [0xE9] + [UInt8]("\n".utf8),
            """
            test.yaml:2:7: error: invalid UTF-8 (byte 0xe9); save the file as UTF-8
                2 | b: caf\u{FFFD}
                  |       ^
            """
        ),
        Case(
            "invalid UTF-8 in a file whose lines end with CR, as libyaml counts its lines",
            [UInt8]("a: ok\rb: 1\r\nc: caf".utf8) + [0xE9] + [UInt8]("\r".utf8),
            """
            test.yaml:3:7: error: invalid UTF-8 (byte 0xe9); save the file as UTF-8
                3 | c: caf\u{FFFD}
                  |       ^
            """
        ),
        Case(
            "a control character in a file whose lines end with CR",
            [UInt8]("a: ok\rb: 1".utf8) + [0x01] + [0x0D],
            """
            test.yaml:2:5: error: control characters are not allowed (0x01)
                2 | b: 1\u{FFFD}
                  |     ^
            """
        ),
        Case(
            "UTF-16 file",
            [0xFF, 0xFE, 0x61, 0x00],
            """
            test.yaml:1:1: error: invalid UTF-8 (byte 0xff); save the file as UTF-8
                1 | \u{FFFD}\u{FFFD}a\u{FFFD}
                  | ^
            """
        ),
        Case(
            "tab as indentation, rejected by libyaml",
            "a:\n\tb: 1\n",
            """
            test.yaml:2:1: error: tab character used for indentation; indent with spaces
                2 | \tb: 1
                  | ^
            """
        ),
        Case(
            "tab after spaces in indentation",
            "a:\n  b: 1\n  \tc: 2\n",
            """
            test.yaml:3:3: error: tab character used for indentation; indent with spaces
                3 |   \tc: 2
                  |   ^
            """
        ),
        Case(
            "tag",
            "a: !!str 1\n",
            """
            test.yaml:1:4: error: yaml tags are not supported (found '!!str'); quote a value to make it a string
                1 | a: !!str 1
                  |    ^
            """
        ),
        Case(
            "control character",
            [UInt8]("a: 1".utf8) + [0x00] + [0x0A],
            """
            test.yaml:1:5: error: control characters are not allowed (0x00)
                1 | a: 1\u{FFFD}
                  |     ^
            """
        ),
        Case(
            "non-scalar key",
            "? [a, b]\n: 1\n",
            """
            test.yaml:1:3: error: mapping keys must be scalars
                1 | ? [a, b]
                  |   ^
            """
        ),
    ]

    @Test(arguments: cases)
    func rendersExactly(_ test: Case) {
        #expect(failure(test.input) == test.rendered)
    }

    @Test func everyProblemIsReportedInOnePass() {
        let text = failure("a: 1\na: 2\nb: &x 3\nc: *x\nd: !!int 4\n")
        #expect(text.components(separatedBy: ": error: ").count - 1 == 4)
        #expect(text.hasPrefix("test.yaml:2:1: error: duplicate key 'a'"))
    }

    @Test func aliasBombFailsFastInBoundedMemory() {
        // "Billion laughs": nine levels of ten aliases would expand to a billion nodes.
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        let clock = ContinuousClock()
        var rendered = ""
        let elapsed = clock.measure { rendered = failure(text) }
        #expect(
            rendered.hasPrefix("test.yaml:1:4: error: yaml anchors and aliases are not supported (found anchor '&a')")
        )
        #expect(rendered.components(separatedBy: "error:").count - 1 == 9 + 80)
        #expect(elapsed < .seconds(5))
    }
}
