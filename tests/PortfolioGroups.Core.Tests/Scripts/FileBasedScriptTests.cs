using System.Text.Json;

using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>
/// The quickstart as a .NET 10 file-based app: `dotnet run samples/scripts/quickstart.cs`.
/// Such an app is built with PublishAot=true, so it runs on the JIT with dynamic code turned off,
/// as a NativeAOT binary would: whatever the library does by emitting IL fails here.
/// </summary>
[NonParallelizable] // `dotnet run` and `dotnet publish` of the script share its build folder; see NativeAotTests.
public sealed class FileBasedScriptTests
{
    private const string DynamicCodeSwitch = "System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    [Test]
    public async Task Dotnet_run_of_the_script_prints_the_readmes_story_on_a_sqlite_file_in_the_working_directory()
    {
        var expected = RepositoryFiles.ReadmeStory();
        using var workingDirectory = new TempDirectory();

        var run = await FileBasedApp.RunScriptAsync(RepositoryFiles.QuickstartScript(), [], workingDirectory.Path);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Be(expected, run.ToString());
        File.Exists(Path.Combine(workingDirectory.Path, "portfolios.db")).Should().BeTrue();
    }

    [Test]
    public async Task The_script_runs_as_a_file_based_app_does_by_default_with_PublishAot_and_dynamic_code_off()
    {
        using var workingDirectory = new TempDirectory();

        // Builds the script as `dotnet run` does (same build folder), and reports the properties its
        // directives and the repository's build files gave it.
        var build = await FileBasedApp.DotnetAsync(
            ["build", RepositoryFiles.QuickstartScript(), "--getProperty:PublishAot", "--getProperty:ProjectRuntimeConfigFilePath", "--getTargetResult:Build"],
            workingDirectory.Path,
            BuildTimeout);
        build.ExitCode.Should().Be(0, build.ToString());

        using var report = JsonDocument.Parse(build.Output);
        var properties = report.RootElement.GetProperty("Properties");
        properties.GetProperty("PublishAot").GetString().Should().Be("true", "a file-based app publishes as NativeAOT unless a #:property says otherwise");

        // The switch the runtime reads at start-up; absent, dynamic code would be on.
        var runtimeConfigPath = properties.GetProperty("ProjectRuntimeConfigFilePath").GetString()!;
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(runtimeConfigPath));
        var switches = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        switches.TryGetProperty(DynamicCodeSwitch, out var dynamicCode).Should().BeTrue($"{runtimeConfigPath} must set {DynamicCodeSwitch}");
        dynamicCode.ValueKind.Should().Be(JsonValueKind.False, $"{runtimeConfigPath} must turn dynamic code off");
    }
}
