using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Scripts;

namespace PortfolioGroups.Tests.Docs;

/// <summary>docs/concepts.md describes the model graph as it is.</summary>
public sealed class ConceptsDocTests
{
    /// <summary>Set to 1 to rewrite the doc's diagram from the model graph instead of only comparing.</summary>
    public const string UpdateDocsEnvironmentVariable = "PORTFOLIOGROUPS_UPDATE_DOCS";

    private const string DiagramStart = "```mermaid\n";
    private const string DiagramEnd = "```\n";

    private static string ConceptsPath => Path.Combine(RepositoryFiles.Root(), "docs", "concepts.md");

    [Test]
    public void The_er_diagram_is_the_one_generated_from_the_model_graph()
    {
        var generated = ErDiagram.Generate();
        var doc = File.ReadAllText(ConceptsPath).ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable(UpdateDocsEnvironmentVariable) == "1")
        {
            var start = doc.IndexOf(DiagramStart, StringComparison.Ordinal) + DiagramStart.Length;
            var end = doc.IndexOf(DiagramEnd, start, StringComparison.Ordinal);
            doc = doc[..start] + generated + doc[end..];
            File.WriteAllText(ConceptsPath, doc);
        }

        var shown = RepositoryFiles.Between(doc, DiagramStart, DiagramEnd);

        shown.Should().Be(
            generated,
            $"docs/concepts.md must show the diagram generated from SchemaModel; run the tests with {UpdateDocsEnvironmentVariable}=1 to rewrite it, or paste:\n{generated}");
    }

    [Test]
    public void The_doc_names_every_table_foreign_key_and_index_of_the_model_graph()
    {
        var doc = File.ReadAllText(ConceptsPath);

        foreach (var table in SchemaModel.AllTables)
        {
            doc.Should().Contain($"`{table.PhysicalName}`").And.Contain($"`{table.Identifier}`");
            foreach (var name in table.ForeignKeys.Select(fk => fk.Name).Concat(table.Indexes.Select(ix => ix.Name)))
            {
                doc.Should().Contain($"`{name}`");
            }
        }
    }
}
