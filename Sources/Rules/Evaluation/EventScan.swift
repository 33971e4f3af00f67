import Foundation
import Leads
import YAML

/// One event of a lead: its object's node, with its time and type read up front.
struct EventRow {
    var object: Int
    /// Seconds since 1970, or NaN when the event has no time (which every comparison with a window then fails): not
    /// an optional, for the hot loops compare it per event and function.
    var at: Double
    /// The code of its type in the collection's `AggregatePlan`, or -1 when no event function filters on it.
    var typeCode: Int
}

/// The events of one collection of a lead, read in one pass (`AggregatePlan.readEvents`).
///
/// The arrays are reused from lead to lead and only grow: the first `count` rows (and their fields) are this lead's,
/// and the rest are left from an earlier lead.
struct EventTable {
    var rows: [EventRow] = []
    /// Per row, `stride` node indices: the value of each of the plan's `fieldKeys` in that event, or -1 if absent.
    var fields: [Int32] = []
    var stride = 0
    /// How many events this lead has.
    var count = 0
}

/// What the events matching an event function add up to.
struct EventTally {
    var count = 0
    /// The latest time among the matching events, or minus infinity when none has one.
    var latest = -Double.infinity
    var sum = 0.0
    /// With a half-life: the matching events' weights after decay.
    var weight = 0.0
}

/// The hot loops over a lead's events, on the plan's own arrays read through pointers: no reference counting and no
/// optionals per event. What needs an expression (a predicate beyond text tests, a `sum`'s value, a type filter on
/// another field) is left to `EvaluationState`.
extension AggregatePlan {
    /// A plan with no event functions, for collections that are only counted (`len(events)`).
    static let empty = AggregatePlan(aggregates: [], collection: -1, eventSlots: [])

    /// Reads the events of the array at node `array`: each object item's time (the member named `timeKey`, read as
    /// `timeType`), its type's code, and the nodes of the fields the fast predicates test, in one pass over its
    /// members. Items that are not objects are not events. When a key appears twice in an event, the last one counts.
    func readEvents(
        _ lead: LeadView,
        array: Int,
        timeKey: UnsafeBufferPointer<UInt8>,
        timeType: FieldType?,
        into table: inout EventTable
    ) {
        let stride = fieldKeys.count
        let count = lead.count(array)
        // The table's arrays are taken (swapped, so they stay unshared), grown to hold every item if they are
        // shorter, and filled through pointers; the events found are the first rows.
        var rows: [EventRow] = []
        swap(&rows, &table.rows)
        if rows.count < count {
            rows.append(
                contentsOf: repeatElement(EventRow(object: 0, at: .nan, typeCode: -1), count: count - rows.count)
            )
        }
        var fields: [Int32] = []
        swap(&fields, &table.fields)
        if fields.count < count * stride {
            fields.append(contentsOf: repeatElement(-1, count: count * stride - fields.count))
        }
        // A key matches by its length and packed bytes; an empty time key never matches (no time is read).
        let timeCount = timeType == nil ? -1 : timeKey.count
        let timeWord = Self.keyWord(timeKey)
        let typeCount = typeKeyBytes.isEmpty ? -1 : typeKeyBytes.count
        let typeWord = typeKeyWord
        let hasLongKeys = timeCount > 8 || typeCount > 8 || fieldKeyCounts.contains { $0 > 8 }
        let nodes = lead.nodes
        let text = lead.allText
        var found = 0
        var month = Timestamp.Month()
        fieldKeyWords.withUnsafeBufferPointer { keyWords in
            fieldKeyCounts.withUnsafeBufferPointer { keyCounts in
                rows.withUnsafeMutableBufferPointer { rows in
                    fields.withUnsafeMutableBufferPointer { fields in
                        var item = array + 1
                        for _ in 0..<count {
                            let event = item
                            item = lead.end(event)
                            guard nodes[event].kind == .object else { continue }
                            var at = Double.nan
                            var code = -1
                            let first = found * stride
                            for field in 0..<stride { fields[first + field] = -1 }
                            var key = event + 1
                            for _ in 0..<Int(nodes[event].a) {
                                let value = key + 1
                                let name = nodes[key]
                                defer { key = lead.end(value) }
                                let nameCount = Int(name.b)
                                guard nameCount <= 8 || hasLongKeys else { continue }
                                let start = Int(name.a)
                                let word =
                                    nameCount <= 8
                                    ? Self.keyWord(text, start: start, count: nameCount)
                                    : UInt64.max
                                if nameCount == timeCount
                                    && (nameCount <= 8
                                        ? word == timeWord
                                        : Self.same(lead.bytes(key), timeKey))
                                {
                                    at =
                                        (timeType == .timestamp
                                            ? Self.timestamp(lead, value, month: &month)
                                            : Self.seconds(lead, value, timeType)) ?? .nan
                                    continue
                                }
                                if nameCount == typeCount && nodes[value].kind == .string
                                    && (nameCount <= 8
                                        ? word == typeWord
                                        : typeKeyBytes.withUnsafeBufferPointer { Self.same(lead.bytes(key), $0) })
                                {
                                    code = self.code(of: lead.bytes(value))
                                }
                                for field in 0..<stride where keyCounts[field] == nameCount {
                                    let same =
                                        nameCount <= 8
                                        ? keyWords[field] == word
                                        : fieldKeys[field].withUnsafeBufferPointer { Self.same(lead.bytes(key), $0) }
                                    if same {
                                        fields[first + field] = Int32(value)
                                        break
                                    }
                                }
                            }
                            rows[found] = EventRow(object: event, at: at, typeCode: code)
                            found += 1
                        }
                    }
                }
            }
        }
        table = EventTable(rows: rows, fields: fields, stride: stride, count: found)
    }

    /// An event's time when it is a timestamp: the common twenty-byte form read directly, anything else as the
    /// normalizer reads it.
    @inline(__always)
    static func timestamp(_ lead: LeadView, _ node: Int, month: inout Timestamp.Month) -> Double? {
        let value = lead.nodes[node]
        if value.kind == .string && value.b == 20, let base = lead.allText.baseAddress,
            let seconds = Timestamp.canonicalSeconds(base + Int(value.a), month: &month)
        {
            return seconds
        }
        return Normalizer.timestamp(lead, node)
    }

    /// Up to eight bytes packed into an integer, the first in the lowest byte, zeros past the end; exactly (no case
    /// folding), as keys compare.
    static func keyWord(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var word: UInt64 = 0
        for index in 0..<Swift.min(bytes.count, 8) { word |= UInt64(bytes[index]) << (8 * index) }
        return word
    }

    /// `keyWord` of the `count` (at most eight) bytes of `text` from `start`: one load when eight bytes are there.
    @inline(__always)
    static func keyWord(_ text: UnsafeBufferPointer<UInt8>, start: Int, count: Int) -> UInt64 {
        guard start + 8 <= text.count, let base = text.baseAddress else {
            return keyWord(UnsafeBufferPointer(rebasing: text[start..<(start + count)]))
        }
        let word = UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self)
        return count == 8 ? word : word & ((1 << (8 * UInt64(count))) &- 1)
    }

    /// An event time of another type than a timestamp, as its value would be.
    static func seconds(_ lead: LeadView, _ node: Int, _ type: FieldType?) -> Double? {
        var scratch: [UInt8] = []
        return Normalizer.value(lead, node, type ?? .timestamp, scratch: &scratch).seconds
    }

    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }

    /// Every function of the plan over the events of `table`, when each needs only the event's time, type and fast
    /// predicate (`allFast`): the tallies by aggregate index. Nil when an event holds a number where a fast predicate
    /// tests text, which only the expression decides.
    ///
    /// Function by function, each over the events it can match: the events are first grouped by type code (in
    /// document order within a group, so sums add up in the same order as event by event), then each function with a
    /// type filter runs over its type's group, and each of the others over every event. A function's window,
    /// predicate and half-life are then the same through its whole loop, where visiting each event's functions in
    /// turn made every one of those tests a branch the processor could not predict.
    func tallyAll(
        _ table: EventTable,
        lead: LeadView,
        now: Double,
        into tallies: UnsafeMutableBufferPointer<EventTally>
    )
        -> Bool
    {
        let codes = types.count
        let eventCount = table.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: eventCount + 2 * codes + 1) { scratch in
            // `starts[c]..<starts[c + 1]` of `order` are the rows of type code `c`; `next` is each group's fill point.
            let starts = UnsafeMutableBufferPointer(rebasing: scratch[0..<(codes + 1)])
            let next = UnsafeMutableBufferPointer(rebasing: scratch[(codes + 1)..<(2 * codes + 1)])
            let order = UnsafeMutableBufferPointer(rebasing: scratch[(2 * codes + 1)...])
            return functions.withUnsafeBufferPointer { functions in
                tests.withUnsafeBufferPointer { planTests in
                    needles.withUnsafeBufferPointer { needles in
                        typeStarts.withUnsafeBufferPointer { typeStarts in
                            typeMembers.withUnsafeBufferPointer { typeMembers in
                                table.rows.withUnsafeBufferPointer { rows in
                                    table.fields.withUnsafeBufferPointer { fields in
                                        starts.update(repeating: 0)
                                        for row in 0..<eventCount where rows[row].typeCode >= 0 {
                                            starts[rows[row].typeCode + 1] += 1
                                        }
                                        for code in 0..<codes {
                                            next[code] = starts[code]
                                            starts[code + 1] += starts[code]
                                        }
                                        for row in 0..<eventCount where rows[row].typeCode >= 0 {
                                            let code = rows[row].typeCode
                                            order[Int(next[code])] = Int32(row)
                                            next[code] += 1
                                        }
                                        /// Tallies function `index` over the events `count` rows give (`row(i)`); false when
                                        /// only the expression can decide.
                                        @inline(__always)
                                        func tally(_ index: Int, count: Int, row: (Int) -> Int) -> Bool {
                                            let function = functions[index]
                                            let tests = function.fast ? predicates[index]?.tests : nil
                                            var tally = tallies[index]
                                            for position in 0..<count {
                                                let row = row(position)
                                                let event = rows[row]
                                                guard function.covers(event.at, now: now) else { continue }
                                                if let tests {
                                                    let eventFields = UnsafeBufferPointer(
                                                        rebasing: fields[
                                                            (row * table.stride)..<((row + 1) * table.stride)
                                                        ]
                                                    )
                                                    guard
                                                        let passes = EventPredicate.decide(
                                                            tests,
                                                            planTests,
                                                            needles,
                                                            lead: lead,
                                                            fields: eventFields
                                                        )
                                                    else { return false }
                                                    guard passes else { continue }
                                                }
                                                Self.count(event, function, now: now, into: &tally)
                                                if function.stopsAtFirst { break }
                                            }
                                            tallies[index] = tally
                                            return true
                                        }
                                        for code in 0..<codes {
                                            let first = Int(starts[code])
                                            let count = Int(starts[code + 1]) - first
                                            guard count > 0 else { continue }
                                            for member in typeStarts[code]..<typeStarts[code + 1] {
                                                guard
                                                    tally(
                                                        typeMembers[member],
                                                        count: count,
                                                        row: { Int(order[first + $0]) }
                                                    )
                                                else { return false }
                                            }
                                        }
                                        for index in visitedOthers {
                                            guard tally(index, count: eventCount, row: { $0 }) else { return false }
                                        }
                                        // Those testing only the time: a loop of their own, leaner than `tally`'s
                                        // (through it, 600 more instructions per lead).
                                        for index in timeOnlyOthers {
                                            let function = functions[index]
                                            var tally = EventTally()
                                            for row in 0..<eventCount {
                                                let event = rows[row]
                                                guard function.covers(event.at, now: now) else { continue }
                                                Self.count(event, function, now: now, into: &tally)
                                                if function.stopsAtFirst { break }
                                            }
                                            tallies[index] = tally
                                        }
                                        return true
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Counts an event that passed a function, as `EvaluationState.add` does: with a half-life, only an event with a
    /// time counts, and adds its weight after decay.
    @inline(__always)
    static func count(_ event: EventRow, _ function: Function, now: Double, into tally: inout EventTally) {
        if function.hasHalfLife {
            guard !event.at.isNaN else { return }
            tally.weight += pow(0.5, Swift.max(0, now - event.at) / function.halfLife)
        }
        tally.count += 1
        // False for NaN: an event without a time leaves the latest as it is. One within the clock skew after `now`
        // happened at `now`.
        if event.at > tally.latest { tally.latest = Swift.min(event.at, now) }
    }
}
