using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>
/// The scripts are consumers of the packed package, as a user's scripts are: each names the
/// package in the repository's version, none overrides the file-based app defaults (PublishAot),
/// and their nuget.config only adds the packages folder, by a relative path.
/// </summary>
public sealed partial class ScriptDirectiveTests
{
    private static IEnumerable<string> Scripts() =>
        Directory.GetFiles(Path.Combine(RepositoryFiles.Root(), "samples", "scripts"), "*.cs").Order(StringComparer.Ordinal);

    [Test]
    public void Every_script_references_the_package_in_the_repositorys_version_and_no_project()
    {
        var version = RepositoryFiles.PackageVersion();

        Scripts().Select(Path.GetFileName).Should().Contain(["quickstart.cs", "import-memberships.cs", "group-report.cs"]);
        foreach (var script in Scripts())
        {
            var directives = File.ReadLines(script).Where(l => l.StartsWith("#:", StringComparison.Ordinal)).ToList();
            directives.Should().Contain($"#:package PortfolioGroups.Core@{version}", script);
            directives.Should().NotContain(d => d.StartsWith("#:project", StringComparison.Ordinal), script);
            directives.Should().NotContain(d => PublishAotProperty().IsMatch(d), $"{script} runs with the file-based app defaults");
        }
    }

    [Test]
    public void The_scripts_nuget_config_adds_the_packages_folder_by_a_relative_path_and_clears_nothing()
    {
        var folder = Path.Combine(RepositoryFiles.Root(), "samples", "scripts");
        var config = XDocument.Load(Path.Combine(folder, "nuget.config"));

        config.Descendants("clear").Should().BeEmpty();
        var sources = config.Descendants("packageSources").Elements("add").Select(e => e.Attribute("value")!.Value).ToList();
        sources.Should().ContainSingle().Which.Should().Be("../../artifacts/packages");
        Path.GetFullPath(Path.Combine(folder, sources[0])).Should().Be(Path.Combine(RepositoryFiles.Root(), "artifacts", "packages"));
    }

    [GeneratedRegex(@"^#:property\s+PublishAot", RegexOptions.IgnoreCase)]
    private static partial Regex PublishAotProperty();
}
