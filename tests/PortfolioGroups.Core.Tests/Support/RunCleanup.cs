using System.Collections.Concurrent;

namespace PortfolioGroups.Tests;

/// <summary>
/// What a test run leaves outside its own folders (the installed tool in the temp directory, this
/// run's package version in NuGet's global packages folder) is removed when the run ends.
/// </summary>
[SetUpFixture]
public sealed class RunCleanup
{
    private static readonly ConcurrentStack<(string What, Func<Task> Action)> s_actions = new();

    /// <summary>Runs <paramref name="action"/> when the run ends, after every test; the last registered runs first.</summary>
    public static void AtEnd(string what, Func<Task> action) => s_actions.Push((what, action));

    /// <summary>Deletes <paramref name="directory"/> and everything in it when the run ends.</summary>
    public static void DeleteAtEnd(string directory) =>
        AtEnd($"deleting {directory}", () =>
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            return Task.CompletedTask;
        });

    [OneTimeTearDown]
    public async Task RunAsync()
    {
        var failures = new List<string>();
        while (s_actions.TryPop(out var entry))
        {
            try
            {
                await entry.Action();
                await TestContext.Progress.WriteLineAsync($"Cleaned up after the run: {entry.What}.");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                failures.Add($"{entry.What}: {ex.Message}");
            }
        }

        // A clean-up that fails is reported, not hidden: the run would have left files behind.
        if (failures.Count > 0)
        {
            Assert.Fail("Cleaning up after the run failed:\n" + string.Join("\n", failures));
        }
    }
}
