import YAML

/// Parses rule expressions (precedence from loosest: `or`, `and`, `not`, comparisons, `??`, primaries).
struct ExpressionParser {
    struct Failure: Error {
        var message: String
        var range: Range<Int>
    }

    private var tokens: [Lexer.Token]
    private var position = 0

    private init(tokens: [Lexer.Token]) {
        self.tokens = tokens
    }

    /// Parses a whole expression.
    static func parse(_ text: String) throws(Failure) -> ExpressionSyntax {
        var parser = try ExpressionParser(tokens: lex(text))
        let expression = try parser.expression()
        try parser.expectEnd()
        return expression
    }

    /// Parses the subject of an `each` rule: `events where PREDICATE within 30d`.
    static func parseEach(_ text: String) throws(Failure) -> EachSyntax {
        var parser = try ExpressionParser(tokens: lex(text))
        let collection = try parser.primary()
        var each = EachSyntax(collection: collection)
        if parser.keyword("where") {
            each.predicate = try parser.expression()
        }
        if parser.keyword("within") {
            each.within = try parser.primary()
        }
        try parser.expectEnd()
        return each
    }

    private static func lex(_ text: String) throws(Failure) -> [Lexer.Token] {
        do {
            return try Lexer.tokens(text)
        } catch {
            throw Failure(message: error.message, range: error.range)
        }
    }

    private var current: Lexer.Token { tokens[min(position, tokens.count - 1)] }

    private mutating func keyword(_ word: String) -> Bool {
        if case .name(word) = current.kind {
            position += 1
            return true
        }
        return false
    }

    private func isKeyword(_ word: String, at offset: Int = 0) -> Bool {
        let index = min(position + offset, tokens.count - 1)
        if case .name(word) = tokens[index].kind { return true }
        return false
    }

    private mutating func symbol(_ text: String) -> Bool {
        if case .symbol(text) = current.kind {
            position += 1
            return true
        }
        return false
    }

    private func describe(_ token: Lexer.Token) -> String {
        switch token.kind {
        case .end: "the end of the expression"
        case .name(let name): "'\(name)'"
        case .symbol(let symbol): "'\(symbol)'"
        case .number, .duration, .date: "a number"
        case .string: "a string"
        }
    }

    private func failure(_ expected: String) -> Failure {
        let token = current
        let range = token.range.isEmpty ? token.range.lowerBound..<token.range.lowerBound + 1 : token.range
        return Failure(message: "expected \(expected), found \(describe(token))", range: range)
    }

    private mutating func expectEnd() throws(Failure) {
        guard current.kind == .end else { throw failure("an operator or the end of the expression") }
    }

    mutating func expression() throws(Failure) -> ExpressionSyntax {
        var lhs = try conjunction()
        while case .name("or") = current.kind {
            let range = current.range
            position += 1
            lhs = .binary(.or, lhs, try conjunction(), operatorRange: range)
        }
        return lhs
    }

    private mutating func conjunction() throws(Failure) -> ExpressionSyntax {
        var lhs = try negation()
        while case .name("and") = current.kind {
            let range = current.range
            position += 1
            lhs = .binary(.and, lhs, try negation(), operatorRange: range)
        }
        return lhs
    }

    private mutating func negation() throws(Failure) -> ExpressionSyntax {
        if case .name("not") = current.kind {
            let start = current.range.lowerBound
            position += 1
            let operand = try negation()
            return .not(operand, start..<operand.range.upperBound)
        }
        return try comparison()
    }

    private static let comparisonSymbols: [String: BinaryOperator] = [
        "==": .equal, "!=": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual,
    ]
    private static let comparisonWords: [String: BinaryOperator] = [
        "in": .in, "contains": .contains, "starts_with": .startsWith, "ends_with": .endsWith, "matches": .matches,
    ]

    private mutating func comparison() throws(Failure) -> ExpressionSyntax {
        let lhs = try coalescing()
        let range = current.range
        var op: BinaryOperator?
        switch current.kind {
        case .symbol(let symbol): op = Self.comparisonSymbols[symbol]
        case .name("not") where isKeyword("in", at: 1):
            position += 1
            op = .notIn
        case .name(let word): op = Self.comparisonWords[word]
        default: break
        }
        guard let op else { return lhs }
        position += 1
        let rhs = op == .in || op == .notIn ? try setOperand() : try coalescing()
        return .binary(op, lhs, rhs, operatorRange: range.lowerBound..<tokens[position - 1].range.upperBound)
    }

    /// The right side of `in`: a list, a named list, or a range `low..high`.
    private mutating func setOperand() throws(Failure) -> ExpressionSyntax {
        let low = try coalescing()
        if symbol("..") {
            let high = try coalescing()
            return .range(low, high, low.range.lowerBound..<high.range.upperBound)
        }
        return low
    }

    private mutating func coalescing() throws(Failure) -> ExpressionSyntax {
        var lhs = try primary()
        while case .symbol("??") = current.kind {
            let range = current.range
            position += 1
            lhs = .binary(.coalesce, lhs, try primary(), operatorRange: range)
        }
        return lhs
    }

    mutating func primary() throws(Failure) -> ExpressionSyntax {
        let token = current
        switch token.kind {
        case .number(let value):
            position += 1
            return .number(value, token.range)
        case .duration(let value):
            position += 1
            return .duration(value, token.range)
        case .date(let value):
            position += 1
            return .date(value, token.range)
        case .string(let value):
            position += 1
            return .string(value, token.range)
        case .name("true"), .name("false"):
            position += 1
            return .boolean(token.kind == .name("true"), token.range)
        case .name(let name) where ["and", "or", "not", "in", "within", "where"].contains(name):
            throw failure("a value")
        case .name(let name):
            position += 1
            if symbol("(") {
                return try call(name, token.range)
            }
            return .name(name.split(separator: ".").map(String.init), token.range)
        case .symbol("("):
            position += 1
            let inner = try expression()
            guard symbol(")") else { throw failure("')'") }
            return inner
        case .symbol("["):
            position += 1
            var items: [ExpressionSyntax] = []
            if !symbol("]") {
                repeat {
                    items.append(try coalescing())
                } while symbol(",")
                guard symbol("]") else { throw failure("',' or ']'") }
            }
            return .list(items, token.range.lowerBound..<tokens[position - 1].range.upperBound)
        default:
            throw failure("a value")
        }
    }

    private mutating func call(_ name: String, _ nameRange: Range<Int>) throws(Failure) -> ExpressionSyntax {
        var arguments: [ExpressionSyntax] = []
        var within: ExpressionSyntax?
        if !symbol(")") {
            repeat {
                if keyword("within") {
                    within = try primary()
                } else {
                    arguments.append(try expression())
                }
            } while symbol(",")
            guard symbol(")") else { throw failure("',' or ')'") }
        }
        let range = nameRange.lowerBound..<tokens[position - 1].range.upperBound
        return .call(name: name, nameRange: nameRange, arguments: arguments, within: within, range)
    }
}
