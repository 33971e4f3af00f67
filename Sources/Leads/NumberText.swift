/// Numbers written as text, as lead files hold them.
package enum NumberText {
    /// Whether `byte` may appear in a plain decimal number: a digit, `.`, a sign, or an exponent's `e` or `E`. What
    /// `Double(_:)` reads besides (`nan`, `inf`, hex such as `0x10`) has other bytes.
    @inline(__always)
    package static func isPlainByte(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10 || byte == 0x2E || byte == 0x2B || byte == 0x2D || byte | 0x20 == 0x65
    }
}
