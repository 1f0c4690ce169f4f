using System.Globalization;
using System.Text.RegularExpressions;
using PortfolioGroups.Tests.Scripts;

namespace PortfolioGroups.Tests.Support;

/// <summary>
/// The shipping packages as a user installs them: packed ONCE per test run (`dotnet pack` of the
/// solution, Release, as CI does) into <c>artifacts/packages</c> at the repository root.
/// </summary>
/// <remarks>
/// <para>
/// Each run packs a version of its own, <c>0.1.0-test.&lt;UTC time&gt;.&lt;process id&gt;</c>: NuGet's
/// global packages folder keeps the first package it saw for a version and never looks again,
/// so a fixed version would let an older pack shadow this one.
/// </para>
/// <para>
/// How a consumer restores from the feed: a <c>nuget.config</c> beside it that adds the feed by
/// the relative path <see cref="FeedRelativePath"/> (from the repository root), or
/// <c>--add-source</c> <see cref="PackedSet.Feed"/>; and this run's version,
/// <see cref="PackedSet.Version"/>, which <see cref="PackedSet.ConsumerEnvironment"/> also carries as
/// the MSBuild property <see cref="VersionProperty"/> (environment variables are MSBuild properties).
/// The tool installs with <see cref="PackedSet.ToolInstallArguments"/>.
/// </para>
/// </remarks>
internal static class PackedPackages
{
    /// <summary>The feed folder, relative to the repository root; git-ignored.</summary>
    public const string FeedRelativePath = "artifacts/packages";

    /// <summary>The MSBuild property (and environment variable) that carries this run's package version to consumers.</summary>
    public const string VersionProperty = "PortfolioGroupsPackageVersion";

    /// <summary>The id of the command-line tool's package.</summary>
    public const string ToolPackageId = "PortfolioGroups.Cli";

    // PortfolioGroups.Core.0.1.0-test.20261129213000.42.nupkg: the id's parts start with a letter, the version's with a digit.
    private static readonly Regex PackageName = new(@"^(?<id>PortfolioGroups(\.[A-Za-z]+)+)\.(?<version>\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?)\.nupkg$", RegexOptions.CultureInvariant);
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(15);
    private static readonly Lazy<Task<PackedSet>> s_packed = new(PackAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The packed set; the first caller packs it, every later caller waits for the same result.</summary>
    public static Task<PackedSet> GetAsync() => s_packed.Value;

    private static async Task<PackedSet> PackAsync()
    {
        var root = RepositoryFiles.Root();
        var feed = Path.Combine(root, FeedRelativePath);
        Directory.CreateDirectory(feed);

        // Earlier runs' packages are of no use (their versions are their own) and only clutter the feed.
        foreach (var old in Directory.EnumerateFiles(feed, "PortfolioGroups.*"))
        {
            File.Delete(old);
        }

        var suffix = $"test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var pack = await ChildProcess.RunAsync(
            "dotnet",
            ["pack", Path.Combine(root, "PortfolioGroups.Core.sln"), "-c", "Release", "-o", feed, $"-p:VersionSuffix={suffix}"],
            root,
            PackTimeout,
            environment: new Dictionary<string, string?> { ["CI"] = "true" });
        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException(pack.Describe("Packing the solution failed"));
        }

        List<string> packages = [.. Directory.EnumerateFiles(feed, "PortfolioGroups.*.nupkg").Order(StringComparer.Ordinal)];
        var versions = packages.Select(p => PackageName.Match(Path.GetFileName(p))).Select(m => m.Groups["version"].Value).Distinct().ToList();
        if (packages.Count == 0 || versions.Count != 1 || !versions[0].EndsWith(suffix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(pack.Describe($"Packing left [{string.Join(", ", packages.Select(Path.GetFileName))}] in {feed}, not one version ending in {suffix}"));
        }

        var set = new PackedSet(feed, versions[0], packages);
        // Every consumer's restore extracts this run's version into NuGet's global packages folder;
        // a version made for one run is of no use after it, so it goes when the run ends.
        var globalPackages = await GlobalPackagesFolderAsync(root);
        RemoveStaleTestVersions(globalPackages, DateTime.UtcNow - StaleAfter);
        RunCleanup.AtEnd($"removing {set.Version} from {globalPackages}", async () =>
        {
            var removed = RemoveVersion(globalPackages, set.Ids, set.Version);
            await TestContext.Progress.WriteLineAsync($"Removed this run's version {set.Version} of {removed} packages from {globalPackages}.");
        });
        return set;
    }

    /// <summary>How old another run's test version must be before a run removes it (a run that was killed left it).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromDays(1);

    /// <summary>The global packages folder restores extract into, as NuGet reports it (NUGET_PACKAGES, a nuget.config, or the default).</summary>
    public static async Task<string> GlobalPackagesFolderAsync(string workingDirectory)
    {
        var list = await ChildProcess.RunAsync("dotnet", ["nuget", "locals", "global-packages", "--list"], workingDirectory, TimeSpan.FromMinutes(2));
        const string label = "global-packages:";
        var line = list.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(label, StringComparison.Ordinal));
        return list.ExitCode == 0 && line is not null
            ? Path.GetFullPath(line[label.Length..].Trim())
            : throw new InvalidOperationException(list.Describe("Asking NuGet for its global packages folder failed"));
    }

    /// <summary>Removes <paramref name="version"/> of each package in <paramref name="ids"/> from a global packages folder (which keeps ids and versions in lower case).</summary>
    /// <returns>How many packages had that version there.</returns>
    public static int RemoveVersion(string globalPackages, IEnumerable<string> ids, string version)
    {
        var removed = 0;
        foreach (var id in ids)
        {
            var idFolder = Path.Combine(globalPackages, id.ToLowerInvariant());
            var versionFolder = Path.Combine(idFolder, version.ToLowerInvariant());
            if (Directory.Exists(versionFolder))
            {
                Directory.Delete(versionFolder, recursive: true);
                removed++;
            }

            if (Directory.Exists(idFolder) && !Directory.EnumerateFileSystemEntries(idFolder).Any())
            {
                Directory.Delete(idFolder);
            }
        }

        return removed;
    }

    /// <summary>
    /// Removes the test versions (<c>...-test.&lt;UTC time&gt;.&lt;process id&gt;</c>) of the library's
    /// packages packed before <paramref name="before"/>: runs that were killed before their clean-up.
    /// A newer one may belong to a run going on beside this one, and is left alone.
    /// </summary>
    public static void RemoveStaleTestVersions(string globalPackages, DateTime before)
    {
        if (!Directory.Exists(globalPackages))
        {
            return;
        }

        foreach (var idFolder in Directory.EnumerateDirectories(globalPackages, "portfoliogroups.*"))
        {
            foreach (var versionFolder in Directory.EnumerateDirectories(idFolder))
            {
                var match = TestVersion.Match(Path.GetFileName(versionFolder));
                if (match.Success
                    && DateTime.TryParseExact(match.Groups["time"].Value, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var packed)
                    && packed < before)
                {
                    Directory.Delete(versionFolder, recursive: true);
                }
            }

            if (!Directory.EnumerateFileSystemEntries(idFolder).Any())
            {
                Directory.Delete(idFolder);
            }
        }
    }

    // 0.1.0-test.20261129213000.42: the suffix PackAsync gives each run.
    private static readonly Regex TestVersion = new(@"^\d+\.\d+\.\d+-test\.(?<time>\d{14})\.\d+$", RegexOptions.CultureInvariant);

    /// <summary>The id of the package in <paramref name="path"/> (a .nupkg or .snupkg of this run).</summary>
    public static string IdOf(string path, string version)
    {
        var name = Path.GetFileName(path);
        var end = $".{version}.";
        var at = name.IndexOf(end, StringComparison.Ordinal);
        return at > 0 ? name[..at] : throw new ArgumentException($"{name} is not a package of version {version}.", nameof(path));
    }
}

/// <summary>One run's packages.</summary>
/// <param name="Feed">The absolute path of the feed folder (<see cref="PackedPackages.FeedRelativePath"/> under the repository root).</param>
/// <param name="Version">This run's version of every package.</param>
/// <param name="Packages">The .nupkg files, by path; each has its .snupkg beside it.</param>
internal sealed record PackedSet(string Feed, string Version, IReadOnlyList<string> Packages)
{
    /// <summary>The ids of the packages, such as PortfolioGroups.Core.</summary>
    public IReadOnlyList<string> Ids => [.. Packages.Select(p => PackedPackages.IdOf(p, Version))];

    /// <summary>Environment for a consumer's restore: this run's version as <see cref="PackedPackages.VersionProperty"/>.</summary>
    public IReadOnlyDictionary<string, string?> ConsumerEnvironment =>
        new Dictionary<string, string?> { [PackedPackages.VersionProperty] = Version };

    /// <summary>`dotnet` arguments that install this run's tool into <paramref name="toolPath"/> from the feed.</summary>
    public IReadOnlyList<string> ToolInstallArguments(string toolPath) =>
        ["tool", "install", PackedPackages.ToolPackageId, "--tool-path", toolPath, "--add-source", Feed, "--version", Version];
}
