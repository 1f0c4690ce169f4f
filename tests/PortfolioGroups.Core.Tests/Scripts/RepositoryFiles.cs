using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>
/// The repository's own files, found at run time above the test directory: the README and its
/// printed story, and the quickstart script that the sample project compiles.
/// </summary>
internal static class RepositoryFiles
{
    /// <summary>The repository's root folder (the one holding PortfolioGroups.Core.sln).</summary>
    public static string Root()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PortfolioGroups.Core.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test directory.");
    }

    /// <summary>The one file holding the quickstart story: a file-based app, also compiled by samples/PortfolioGroups.Quickstart.</summary>
    public static string QuickstartScript() => Script("quickstart.cs");

    /// <summary>A file-based app in samples/scripts.</summary>
    public static string Script(string name) => Path.Combine(Root(), "samples", "scripts", name);

    /// <summary>The version the repository packs its packages in (Directory.Build.props).</summary>
    public static string PackageVersion() =>
        System.Xml.Linq.XDocument.Load(Path.Combine(Root(), "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

    /// <summary>The bodies of the fenced blocks of <paramref name="language"/> in a markdown text, in order, with "\n" line ends.</summary>
    public static IReadOnlyList<string> FencedBlocks(string markdown, string language)
    {
        var blocks = new List<string>();
        var text = markdown.ReplaceLineEndings("\n");
        var fence = $"```{language}\n";
        for (var start = text.IndexOf(fence, StringComparison.Ordinal); start >= 0; start = text.IndexOf(fence, start, StringComparison.Ordinal))
        {
            start += fence.Length;
            var end = text.IndexOf("```\n", start, StringComparison.Ordinal);
            end.Should().BeGreaterThan(start - 1, $"a {language} block must be closed");
            blocks.Add(text[start..end]);
            start = end + 4;
        }

        return blocks;
    }

    public static string Readme() => File.ReadAllText(Path.Combine(Root(), "README.md"));

    /// <summary>The output the README says the quickstart prints, with "\n" line ends.</summary>
    public static string ReadmeStory() => Between(Between(Readme(), "It prints:", "## Concepts"), "```text\n", "```\n");

    /// <summary>The text between the first <paramref name="start"/> and the next <paramref name="end"/>, with "\n" line ends.</summary>
    public static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        from.Should().BeGreaterThanOrEqualTo(0, $"'{start.Trim()}' must be present");
        from += start.Length;
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        to.Should().BeGreaterThan(from, $"'{end.Trim()}' must follow '{start.Trim()}'");
        return text[from..to].ReplaceLineEndings("\n");
    }
}
