using PortfolioGroups.Tests.Scripts;

namespace PortfolioGroups.Tests.Docs;

/// <summary>docs/README.md lists every doc, and the README links it; every code block of the docs is closed.</summary>
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
    public void Every_code_block_in_the_docs_and_readmes_is_closed()
    {
        // An unclosed fence turns the rest of a page into code.
        var root = RepositoryFiles.Root();
        var pages = Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(root, "README.md"))
            .ToList();
        pages.Should().HaveCountGreaterThan(10);
        foreach (var page in pages)
        {
            var fences = File.ReadLines(page).Count(line => line.TrimStart().StartsWith("```", StringComparison.Ordinal));
            (fences % 2).Should().Be(0, $"{Path.GetRelativePath(root, page)} has {fences} code fences, so one block is not closed");
        }
    }

    [Test]
    public void The_readme_links_the_docs_index()
    {
        RepositoryFiles.Readme().Should().Contain("](docs/README.md)");
    }
}
