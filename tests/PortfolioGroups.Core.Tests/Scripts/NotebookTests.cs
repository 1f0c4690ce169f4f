using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>
/// samples/notebooks/portfolio-groups.ipynb, a C# notebook for Polyglot Notebooks (.NET Interactive).
/// No notebook kernel is installed here, so its code cells, in order, become one file-based app
/// (the `#i "nuget: feed"` and `#r "nuget: package, version"` lines become a nuget.config source and
/// a `#:package` directive), which runs on the packed package and must print the outputs the notebook
/// shows.
/// </summary>
[NonParallelizable] // Packs and builds like the script tests.
public sealed partial class NotebookTests
{
    private static string NotebookPath => Path.Combine(RepositoryFiles.Root(), "samples", "notebooks", "portfolio-groups.ipynb");

    [Test]
    public void The_notebook_is_a_valid_nbformat_4_csharp_notebook_with_markdown_before_each_step()
    {
        using var notebook = JsonDocument.Parse(File.ReadAllText(NotebookPath));
        var root = notebook.RootElement;

        root.GetProperty("nbformat").GetInt32().Should().Be(4);
        root.GetProperty("nbformat_minor").GetInt32().Should().BeGreaterThanOrEqualTo(4);
        var kernel = root.GetProperty("metadata").GetProperty("kernelspec");
        kernel.GetProperty("name").GetString().Should().Be(".net-csharp");
        kernel.GetProperty("language").GetString().Should().Be("C#");

        var cells = root.GetProperty("cells").EnumerateArray().ToList();
        cells.Should().NotBeEmpty();
        string? previousType = null;
        foreach (var cell in cells)
        {
            var type = cell.GetProperty("cell_type").GetString();
            type.Should().BeOneOf("markdown", "code");
            cell.GetProperty("metadata").ValueKind.Should().Be(JsonValueKind.Object);
            cell.GetProperty("source").EnumerateArray().Should().OnlyContain(line => line.ValueKind == JsonValueKind.String);
            if (type == "code")
            {
                cell.GetProperty("outputs").ValueKind.Should().Be(JsonValueKind.Array);
                cell.TryGetProperty("execution_count", out _).Should().BeTrue("nbformat 4 code cells carry execution_count");
                cell.GetProperty("metadata").GetProperty("dotnet_interactive").GetProperty("language").GetString().Should().Be("csharp");
                previousType.Should().Be("markdown", "a markdown cell explains each step");
            }

            previousType = type;
        }

        var code = CodeCells(root).ToList();
        code.Should().HaveCountGreaterThanOrEqualTo(6);
        code[0].Should().Contain($"#r \"nuget: PortfolioGroups.Core, {RepositoryFiles.PackageVersion()}\"");
    }

    [Test]
    public async Task The_code_cells_run_in_order_as_one_app_and_print_the_outputs_the_notebook_shows()
    {
        using var notebook = JsonDocument.Parse(File.ReadAllText(NotebookPath));
        var (source, feeds) = ToFileBasedApp(CodeCells(notebook.RootElement), Path.GetDirectoryName(NotebookPath)!);
        var expected = string.Concat(notebook.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code")
            .SelectMany(c => c.GetProperty("outputs").EnumerateArray())
            .Where(o => o.GetProperty("output_type").GetString() == "stream" && o.GetProperty("name").GetString() == "stdout")
            .SelectMany(o => o.GetProperty("text").EnumerateArray().Select(t => t.GetString())));
        using var folder = new TempDirectory();

        feeds.Select(Path.GetFullPath).Should().Equal(Path.GetFullPath((await PackedPackages.GetAsync()).Feed));
        var run = await FileBasedApp.RunSourceAsync(source, feeds, folder.Path);

        run.ExitCode.Should().Be(0, $"{run}\n--- app ---\n{source}");
        expected.Should().NotBeEmpty();
        run.Output.Should().Be(expected, run.ToString());
        File.Exists(Path.Combine(folder.Path, "portfolio-groups-notebook.db")).Should().BeTrue();
    }

    private static IEnumerable<string> CodeCells(JsonElement notebook) =>
        notebook.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code")
            .Select(c => string.Concat(c.GetProperty("source").EnumerateArray().Select(l => l.GetString())));

    /// <summary>
    /// The notebook's submissions as one C# file: `#r "nuget: Id, Version"` becomes `#:package Id@Version`,
    /// `#i "nuget: folder"` a package source (relative to the notebook), and `using` directives move to
    /// the top, where a file needs them; every other line stays, in order.
    /// </summary>
    private static (string Source, IReadOnlyList<string> Feeds) ToFileBasedApp(IEnumerable<string> cells, string notebookDirectory)
    {
        var directives = new List<string>();
        var usings = new List<string>();
        var body = new StringBuilder();
        var feeds = new List<string>();
        foreach (var line in cells.SelectMany(cell => cell.ReplaceLineEndings("\n").Split('\n').Append("")))
        {
            if (PackageReference().Match(line) is { Success: true } package)
            {
                directives.Add($"#:package {package.Groups["id"].Value}@{package.Groups["version"].Value}");
            }
            else if (PackageSource().Match(line) is { Success: true } source)
            {
                feeds.Add(Path.GetFullPath(Path.Combine(notebookDirectory, source.Groups["feed"].Value)));
            }
            else if (UsingDirective().IsMatch(line))
            {
                usings.Add(line);
            }
            else
            {
                line.Should().NotStartWith("#", "every notebook magic command must be translated");
                body.Append(line).Append('\n');
            }
        }

        return (string.Join('\n', [.. directives, .. usings, body.ToString()]), feeds);
    }

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<id>[^,"\s]+)\s*,\s*(?<version>[^"\s]+)\s*"\s*$""")]
    private static partial Regex PackageReference();

    [GeneratedRegex("""^#i\s+"nuget:\s*(?<feed>[^"]+?)\s*"\s*$""")]
    private static partial Regex PackageSource();

    [GeneratedRegex(@"^using\s+[A-Za-z_][\w.]*\s*;\s*$")]
    private static partial Regex UsingDirective();
}
