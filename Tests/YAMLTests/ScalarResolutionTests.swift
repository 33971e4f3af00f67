import Foundation
import Testing
import YAML

/// The scalar under `key` in a one-line YAML mapping.
func scalar(_ text: String) throws -> YAMLScalar {
    let document = try parse(text)
    let root = try #require(document.root).mapping()
    return try #require(root.entries.first).value.scalar()
}

/// The rendered diagnostic that `body` throws for the first scalar of `text`.
func rendered(_ text: String, _ body: (YAMLScalar) throws(Diagnostic) -> Void) throws -> String {
    let value = try scalar(text)
    do {
        try body(value)
        return "no error"
    } catch {
        return error.rendered()
    }
}

struct ScalarResolutionTests {
    @Test(arguments: ["yes", "no", "on", "off", "NO", "Yes", "y", "n"])
    func yamlOneOneWordsStayStrings(_ word: String) throws {
        let value = try scalar("country: \(word)\n")
        #expect(value.value == word)
        #expect(value.style == .plain)
    }

    @Test func booleansOnlyWhenAskedFor() throws {
        #expect(try scalar("a: yes\n").bool() == true)
        #expect(try scalar("a: NO\n").bool() == false)
        #expect(try scalar("a: off\n").bool() == false)
        #expect(try scalar("a: True\n").bool() == true)
        #expect(
            try rendered("enabled: maybe\n") { value throws(Diagnostic) in _ = try value.bool() }
                == """
                test.yaml:1:10: error: expected a boolean, found 'maybe'
                    1 | enabled: maybe
                      |          ^~~~~
                """
        )
        #expect(
            try rendered("enabled: \"true\"\n") { value throws(Diagnostic) in _ = try value.bool() }
                == """
                test.yaml:1:10: error: expected a boolean, found the double-quoted string 'true'
                    1 | enabled: "true"
                      |          ^~~~~~
                """
        )
    }

    @Test func numbers() throws {
        #expect(try scalar("a: 1000\n").int() == 1000)
        #expect(try scalar("a: -42\n").int() == -42)
        #expect(try scalar("a: 1_000_000\n").int() == 1_000_000)
        #expect(try scalar("a: 0x1F\n").int() == 31)
        #expect(try scalar("a: 2.5\n").double() == 2.5)
        #expect(try scalar("a: 1e3\n").double() == 1000)
        #expect(try scalar("a: 7\n").double() == 7)
        #expect(try scalar("a: .inf\n").double() == .infinity)
        #expect(
            try rendered("points: ten\n") { value throws(Diagnostic) in _ = try value.double() }
                == """
                test.yaml:1:9: error: expected a number, found 'ten'
                    1 | points: ten
                      |         ^~~
                """
        )
        #expect(
            try rendered("points: 1.5\n") { value throws(Diagnostic) in _ = try value.int() }
                == """
                test.yaml:1:9: error: expected an integer, found '1.5'
                    1 | points: 1.5
                      |         ^~~
                """
        )
        #expect(
            try rendered("points: '10'\n") { value throws(Diagnostic) in _ = try value.int() }
                == """
                test.yaml:1:9: error: expected an integer, found the single-quoted string '10'
                    1 | points: '10'
                      |         ^~~~
                """
        )
    }

    @Test func nulls() throws {
        #expect(try scalar("a: ~\n").isNull)
        #expect(try scalar("a: null\n").isNull)
        #expect(try scalar("a:\n").isNull)
        #expect(try !scalar("a: 'null'\n").isNull)
        #expect(try !scalar("a: nil\n").isNull)
    }

    @Test func timestamps() throws {
        let utc = try scalar("at: 2026-11-29T10:30:00Z\n").timestamp()
        #expect(utc == Date(timeIntervalSince1970: 1_795_948_200))
        let offset = try scalar("at: 2026-11-29T11:30:00+01:00\n").timestamp()
        #expect(offset == utc)
        let fraction = try scalar("at: 2026-11-29 10:30:00.5\n").timestamp()
        #expect(fraction == utc.addingTimeInterval(0.5))
        let day = try scalar("at: 2026-11-29\n").timestamp()
        #expect(day == Date(timeIntervalSince1970: 1_795_910_400))
        #expect(
            try rendered("at: 2026-02-30\n") { value throws(Diagnostic) in _ = try value.timestamp() }
                == """
                test.yaml:1:5: error: expected a timestamp, found '2026-02-30'
                    1 | at: 2026-02-30
                      |     ^~~~~~~~~~
                """
        )
    }

    @Test func shapeMismatch() throws {
        let document = try parse("rules:\n  id: x\n")
        let root = try #require(document.root).mapping()
        let rules = try #require(root["rules"])
        #expect(
            { () -> String in
                do throws(Diagnostic) {
                    _ = try rules.sequence()
                    return "no error"
                } catch {
                    return error.rendered()
                }
            }()
                == """
                test.yaml:2:3: error: expected a sequence, found a mapping
                    2 |   id: x
                      |   ^
                """
        )
    }
}

struct ScalarPositionTests {
    @Test func plainScalar() throws {
        let value = try scalar("when: company.employes >= 1000\n")
        #expect(value.location(atValueOffset: 8) == at(1, 15))
    }

    @Test func doubleQuotedWithEscapes() throws {
        // value: a\tb"c  -> the 'c' is value offset 4, written at column 15
        let value = try scalar(#"key: "a\tb\"c""# + "\n")
        #expect(value.value == "a\tb\"c")
        #expect(value.location(atValueOffset: 0) == at(1, 7))
        #expect(value.location(atValueOffset: 1) == at(1, 8))
        #expect(value.location(atValueOffset: 2) == at(1, 10))
        #expect(value.location(atValueOffset: 4) == at(1, 13))
    }

    @Test func unicodeEscapeCountsAsOneCharacter() throws {
        let value = try scalar(#"key: "\u00e9x""# + "\n")
        #expect(value.value == "éx")
        #expect(value.location(atValueOffset: 1) == at(1, 13))
    }

    @Test func singleQuotedWithDoubledQuote() throws {
        let value = try scalar("key: 'it''s here'\n")
        #expect(value.value == "it's here")
        #expect(value.location(atValueOffset: 2) == at(1, 9))
        #expect(value.location(atValueOffset: 3) == at(1, 11))
        #expect(value.location(atValueOffset: 5) == at(1, 13))
    }

    @Test func literalBlockLines() throws {
        let value = try scalar("when: |\n  first line\n  second bad\n")
        #expect(value.location(atValueOffset: 0) == at(2, 3))
        #expect(value.location(atValueOffset: 18) == at(3, 10))
    }

    @Test func offsetPastTheEndFallsBackToTheStart() throws {
        let value = try scalar("key: abc\n")
        #expect(value.location(atValueOffset: 99) == at(1, 6))
    }

    @Test func nonASCIIColumnsCountCharacters() throws {
        let value = try scalar("name: Zoë Müller\n")
        #expect(value.location(atValueOffset: 4) == at(1, 11))
    }
}
