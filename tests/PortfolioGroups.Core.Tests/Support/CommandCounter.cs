using System.Collections.Concurrent;
using System.Diagnostics;

namespace PortfolioGroups.Tests.Support;

/// <summary>
/// Counts the database commands the library runs, by listening to its "PortfolioGroups"
/// ActivitySource. Only commands under this counter's own root activity count, so fixtures
/// running in parallel do not disturb each other.
/// </summary>
public sealed class CommandCounter : IDisposable
{
    private static readonly ActivitySource TestSource = new("PortfolioGroups.Tests");
    private readonly ConcurrentQueue<Activity> _commands = new();
    private readonly ActivityListener _listener;
    private readonly Activity _root;

    public CommandCounter()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "PortfolioGroups" or "PortfolioGroups.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "PortfolioGroups" && activity.TraceId == _root?.TraceId)
                {
                    _commands.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
        _root = TestSource.StartActivity("test-root") ?? throw new InvalidOperationException("The test activity was not sampled.");
    }

    /// <summary>Runs <paramref name="action"/> and returns the commands it ran.</summary>
    public async Task<IReadOnlyList<Activity>> RecordAsync(Func<Task> action)
    {
        _commands.Clear();
        var previous = Activity.Current;
        Activity.Current = _root;
        try
        {
            await action();
        }
        finally
        {
            Activity.Current = previous;
        }

        return [.. _commands];
    }

    public void Dispose()
    {
        _root.Dispose();
        _listener.Dispose();
    }
}
