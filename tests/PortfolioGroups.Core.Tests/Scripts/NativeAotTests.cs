using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>
/// The quickstart script published as NativeAOT (`dotnet publish samples/scripts/quickstart.cs`:
/// a file-based app publishes that way by default) and the native binary run on a SQLite file.
/// Needs clang, the C toolchain NativeAOT links with on Linux; the ILCompiler package itself is
/// restored from NuGet in the version the SDK picks.
/// </summary>
[NonParallelizable] // Shares the script's build folder with FileBasedScriptTests; ILC also wants both cores.
public sealed class NativeAotTests
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Test]
    public async Task The_script_published_as_NativeAOT_prints_the_readmes_story()
    {
        RequireClang();
        var expected = RepositoryFiles.ReadmeStory();
        using var publishDirectory = new TempDirectory();
        using var workingDirectory = new TempDirectory();

        var publish = await FileBasedApp.DotnetAsync(["publish", RepositoryFiles.QuickstartScript(), "-o", publishDirectory.Path], workingDirectory.Path, PublishTimeout);
        publish.ExitCode.Should().Be(0, publish.ToString());

        // A native executable, not a managed assembly with an app host beside it.
        var binary = Path.Combine(publishDirectory.Path, OperatingSystem.IsWindows() ? "quickstart.exe" : "quickstart");
        File.Exists(binary).Should().BeTrue(publish.ToString());
        File.Exists(Path.Combine(publishDirectory.Path, "quickstart.dll")).Should().BeFalse("NativeAOT compiles the app into the executable");

        var first = await ChildProcess.RunAsync(binary, [], workingDirectory.Path, RunTimeout);
        var second = await ChildProcess.RunAsync(binary, [], workingDirectory.Path, RunTimeout);

        first.ExitCode.Should().Be(0, first.ToString());
        first.Output.Should().Be(expected, first.ToString());
        second.ExitCode.Should().Be(0, second.ToString());
        second.Output.Should().Be(expected, second.ToString());
        File.Exists(Path.Combine(workingDirectory.Path, "portfolios.db")).Should().BeTrue();
    }

    /// <summary>Ignores the test where clang is missing, but fails it on CI, where .ci/run installs clang.</summary>
    private static void RequireClang()
    {
        if (OperatingSystem.IsWindows() || OnPath("clang"))
        {
            return;
        }

        const string message = "NativeAOT needs clang to link on this OS and it is not on PATH: install it (Debian: apt-get install clang) to run this test.";
        if (TestDatabases.IsCi)
        {
            Assert.Fail(message);
        }

        Assert.Ignore(message);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));
}
