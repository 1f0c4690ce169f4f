using PortfolioGroups.Tests.Scripts;

namespace PortfolioGroups.Tests.Docs;

/// <summary>docs/README.md lists every doc, and the README links it.</summary>
public sealed class DocsIndexTests
{
    [Test]
    public void The_docs_index_links_every_doc_and_the_decision_records_folder()
    {
        var docs = Path.Combine(RepositoryFiles.Root(), "docs");
        var index = File.ReadAllText(Path.Combine(docs, "README.md"));
        var pages = Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(docs, path).Replace('\\', '/'))
            .Where(page => page != "README.md" && !page.StartsWith("decisions/", StringComparison.Ordinal))
            .ToList();

        pages.Should().Contain(["concepts.md", "migrations.md", "how-to/portfolio-workflow.md"]);
        foreach (var page in pages)
        {
            index.Should().Contain($"]({page})", $"docs/README.md must list docs/{page}");
        }

        index.Should().Contain("](decisions)");
    }

    [Test]
    public void The_readme_links_the_docs_index()
    {
        RepositoryFiles.Readme().Should().Contain("](docs/README.md)");
    }
}
