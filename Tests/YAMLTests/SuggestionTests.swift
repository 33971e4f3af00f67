import Testing

@testable import YAML

struct SuggestionTests {
    @Test func closeNamesAreSuggested() {
        let names = ["company.employees", "company.revenue", "contact.email"]
        #expect(Suggestion.closest(to: "company.employes", in: names) == "company.employees")
        #expect(Suggestion.closest(to: "contact.emial", in: names) == "contact.email")
        #expect(Suggestion.closest(to: "budget", in: names) == nil)
        #expect(Suggestion.closest(to: "company.emp", in: names) == "company.employees")
        #expect(Suggestion.closest(to: "int", in: ["string", "integer", "list"]) == "integer")
        #expect(Suggestion.closest(to: "co", in: names) == nil)
    }

    @Test func editDistance() {
        #expect(Suggestion.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(Suggestion.editDistance(Array("ab"), Array("ba")) == 1)
        #expect(Suggestion.editDistance(Array(""), Array("abc")) == 3)
    }
}
