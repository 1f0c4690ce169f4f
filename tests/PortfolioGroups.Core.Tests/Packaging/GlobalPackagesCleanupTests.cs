using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Packaging;

/// <summary>
/// A test run packs a version of its own, and every restore of it lands in NuGet's global packages
/// folder: the run removes its version when it ends, and versions that killed runs left behind once
/// they are a day old. Here on a folder laid out like the global packages folder.
/// </summary>
public sealed class GlobalPackagesCleanupTests
{
    [Test]
    public void A_run_removes_its_own_version_and_keeps_every_other()
    {
        using var folder = new TempDirectory();
        var mine = "0.1.0-test.20261201120000.42";
        var other = "0.1.0-test.20261201120500.43";
        var versions = Lay(folder.Path, ("portfoliogroups.core", mine), ("portfoliogroups.core", other), ("portfoliogroups.cli", mine), ("dapper", "2.1.66"));

        PackedPackages.RemoveVersion(folder.Path, ["PortfolioGroups.Core", "PortfolioGroups.Cli", "PortfolioGroups.Hosting"], mine).Should().Be(2);

        Remaining(folder.Path).Should().BeEquivalentTo(["portfoliogroups.core/" + other, "dapper/2.1.66"]);
        Directory.Exists(Path.Combine(folder.Path, "portfoliogroups.cli")).Should().BeFalse("an id folder left empty goes too");
        versions.Should().HaveCount(4);
    }

    [Test]
    public void Test_versions_older_than_a_day_are_removed_and_newer_or_released_ones_are_kept()
    {
        using var folder = new TempDirectory();
        var now = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
        var stale = "0.1.0-test.20261129090000.7";
        var recent = "0.1.0-test.20261201110000.8";
        Lay(folder.Path, ("portfoliogroups.core", stale), ("portfoliogroups.core", recent), ("portfoliogroups.core", "0.1.0"),
            ("portfoliogroups.hosting", stale), ("npgsql", "0.1.0-test.20200101000000.1"));

        PackedPackages.RemoveStaleTestVersions(folder.Path, now - PackedPackages.StaleAfter);

        Remaining(folder.Path).Should().BeEquivalentTo(
            ["portfoliogroups.core/" + recent, "portfoliogroups.core/0.1.0", "npgsql/0.1.0-test.20200101000000.1"],
            "a recent test version may be a run going on beside this one, a released version is the user's, and other packages are not the library's");
    }

    private static List<string> Lay(string root, params (string Id, string Version)[] packages)
    {
        foreach (var (id, version) in packages)
        {
            var folder = Path.Combine(root, id, version);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, $"{id}.{version}.nupkg"), "");
        }

        return Remaining(root);
    }

    private static List<string> Remaining(string root) =>
        [.. Directory.EnumerateDirectories(root).SelectMany(Directory.EnumerateDirectories).Select(v => Path.GetRelativePath(root, v).Replace('\\', '/'))];
}
