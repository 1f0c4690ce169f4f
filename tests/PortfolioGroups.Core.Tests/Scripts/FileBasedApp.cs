using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>
/// Runs .NET 10 file-based apps (`dotnet run app.cs`) against this test run's packed packages
/// (<see cref="PackedPackages"/>): the repository's scripts in place, or C# source taken from a doc or
/// the notebook, written to a folder of its own beside a nuget.config naming its feeds, as a user's
/// script would be.
/// </summary>
/// <remarks>
/// A test run packs a version of its own. The scripts name the repository's version
/// (`#:package PortfolioGroups.Core@0.1.0`); in place, samples/scripts/Directory.Build.targets
/// takes the run's version from the environment instead, and source written elsewhere has its
/// `#:package PortfolioGroups.*` directives set to the run's version.
/// </remarks>
internal static partial class FileBasedApp
{
    /// <summary>A first run restores and builds the app; later runs of the same file reuse the build.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>The environment a script's restore and build need: this run's package version.</summary>
    public static async Task<IReadOnlyDictionary<string, string?>> EnvironmentAsync() => (await PackedPackages.GetAsync()).ConsumerEnvironment;

    /// <summary>Runs a script of the repository with <paramref name="arguments"/>, in <paramref name="workingDirectory"/>.</summary>
    public static async Task<ProcessResult> RunScriptAsync(string script, IReadOnlyList<string> arguments, string workingDirectory) =>
        await ChildProcess.RunAsync("dotnet", ["run", script, "--", .. arguments], workingDirectory, Timeout, await EnvironmentAsync());

    /// <summary>Runs any `dotnet` command (build, publish) on a script of the repository, restoring this run's packages.</summary>
    public static async Task<ProcessResult> DotnetAsync(IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout) =>
        await ChildProcess.RunAsync("dotnet", arguments, workingDirectory, timeout, await EnvironmentAsync());

    /// <summary>
    /// Writes <paramref name="source"/> as app.cs in <paramref name="appDirectory"/>, beside a nuget.config
    /// that adds <paramref name="feeds"/> (folders) as package sources, and runs it there.
    /// </summary>
    public static async Task<ProcessResult> RunSourceAsync(string source, IReadOnlyList<string> feeds, string appDirectory)
    {
        var packed = await PackedPackages.GetAsync();
        var sources = new XElement("packageSources", feeds.Select((feed, i) => new XElement("add", new XAttribute("key", $"feed{i}"), new XAttribute("value", feed))));
        new XDocument(new XElement("configuration", sources)).Save(Path.Combine(appDirectory, "nuget.config"));
        var app = Path.Combine(appDirectory, "app.cs");
        var pinned = OwnPackageDirective().Replace(source, match => $"{match.Groups["directive"].Value}{packed.Version}");
        await File.WriteAllTextAsync(app, pinned, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

        return await ChildProcess.RunAsync("dotnet", ["run", app], appDirectory, Timeout, packed.ConsumerEnvironment);
    }

    [GeneratedRegex(@"^(?<directive>#:package\s+PortfolioGroups\.[A-Za-z.]+@)\S+$", RegexOptions.Multiline)]
    private static partial Regex OwnPackageDirective();
}
