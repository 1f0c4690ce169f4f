using System.Text;
using System.Xml.Linq;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>
/// Runs .NET 10 file-based apps (`dotnet run app.cs`) against the packed packages: the repository's
/// scripts in place, or C# source extracted from a doc or the notebook, written to a folder of its own
/// with a nuget.config naming its feeds, as a user's script would be.
/// </summary>
internal static class FileBasedApp
{
    /// <summary>A first run restores and builds the app; later runs of the same file reuse the build.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs a script of the repository with <paramref name="arguments"/>, in <paramref name="workingDirectory"/>.</summary>
    public static async Task<ProcessResult> RunScriptAsync(string script, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var environment = await PackedFeed.EnvironmentAsync();
        return await ChildProcess.RunAsync("dotnet", ["run", script, "--", .. arguments], workingDirectory, Timeout, environment);
    }

    /// <summary>Runs any `dotnet` command (build, publish) on a script of the repository, restoring from the packed packages.</summary>
    public static async Task<ProcessResult> DotnetAsync(IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var environment = await PackedFeed.EnvironmentAsync();
        return await ChildProcess.RunAsync("dotnet", arguments, workingDirectory, timeout, environment);
    }

    /// <summary>
    /// Writes <paramref name="source"/> as app.cs in <paramref name="appDirectory"/>, beside a nuget.config
    /// that adds <paramref name="feeds"/> (folders) as package sources, and runs it there.
    /// </summary>
    public static async Task<ProcessResult> RunSourceAsync(string source, IReadOnlyList<string> feeds, string appDirectory)
    {
        var sources = new XElement("packageSources", feeds.Select((feed, i) => new XElement("add", new XAttribute("key", $"feed{i}"), new XAttribute("value", feed))));
        new XDocument(new XElement("configuration", sources)).Save(Path.Combine(appDirectory, "nuget.config"));
        var app = Path.Combine(appDirectory, "app.cs");
        await File.WriteAllTextAsync(app, source, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

        var environment = await PackedFeed.EnvironmentAsync();
        return await ChildProcess.RunAsync("dotnet", ["run", app], appDirectory, Timeout, environment);
    }
}
