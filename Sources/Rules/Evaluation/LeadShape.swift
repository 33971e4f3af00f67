public import Leads

extension Program {
    /// Why `record` is no lead these rules can judge, or nil when it holds at least one field of the catalog (the
    /// standard fields and `fields:`) other than its id, with a value that is not null.
    ///
    /// A record with none is not a sparse lead but a file of another shape: a CRM export's flat columns (`email`,
    /// `company` as a text) that no CSV mapping named, or an API response that wraps its leads (`results`,
    /// `paging`). Decided, it would be a lead with every field missing, routed as if it were one; the daemon and
    /// `leadd score` reject it as a bad record instead, with this reason.
    public func shapeProblem(_ record: LeadRecord) -> String? {
        record.document.withView { view -> String? in
            let found = withUnsafeTemporaryAllocation(of: Int.self, capacity: max(catalogPaths.count, 1)) { nodes in
                catalogTree.resolve(view, into: nodes)
                return nodes.contains { $0 >= 0 && view.kind($0) != .null }
            }
            if found { return nil }
            var keys: [String] = []
            var count = 0
            // The first member holding an array of objects: most likely the leads an API response wraps.
            var wrapped: String?
            if view.kind(LeadDocument.root) == .object {
                for key in view.members(LeadDocument.root) {
                    count += 1
                    let name = String(decoding: view.bytes(key), as: UTF8.self)
                    if keys.count < 6 { keys.append(name) }
                    if wrapped == nil, view.items(key + 1).contains(where: { view.kind($0) == .object }) {
                        wrapped = name
                    }
                }
            }
            let has =
                keys.isEmpty
                ? "it is empty"
                : "it has " + keys.map { "'\($0)'" }.joined(separator: ", ") + (count > keys.count ? ", ..." : "")
            let hint = wrapped.map {
                "; if its leads are the items of '\($0)', a mapping that names this file reads them (records: \($0))"
            }
            return "no field the rules know is in this lead (\(has)); leads hold fields such as contact.email, "
                + "company.name and events (docs/leads.md), and a mapping names a file's columns or keys" + (hint ?? "")
        }
    }
}
