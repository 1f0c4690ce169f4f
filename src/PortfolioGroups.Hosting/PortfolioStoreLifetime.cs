using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PortfolioGroups.Hosting;

/// <summary>
/// Holds the host's one <see cref="PortfolioStore"/>: opens it (and migrates, when asked) in
/// <see cref="StartingAsync"/>, before any hosted service's <c>StartAsync</c> and so before a web
/// server accepts requests; disposes it asynchronously in <see cref="StoppedAsync"/>, after every
/// hosted service has stopped.
/// </summary>
/// <remarks>
/// The container also disposes this holder (and the store it resolved) when the provider is
/// disposed, synchronously or not; disposing a store twice does nothing the second time.
/// </remarks>
internal sealed class PortfolioStoreLifetime(Func<PortfolioGroupsOptions> configure, ILoggerFactory? loggerFactory = null) : IHostedLifecycleService, IAsyncDisposable, IDisposable
{
    private readonly Lazy<PortfolioGroupsOptions> _options = new(() =>
    {
        var options = configure();
        options.Validate();
        return options;
    });

    private PortfolioStore? _store;
    private Exception? _openFailure;
    private int _stopped;

    /// <summary>The options, built (from the container or configuration) the first time they are asked for.</summary>
    /// <exception cref="InvalidOperationException">The options name no database.</exception>
    /// <exception cref="InvalidValueException">A configuration value is invalid; the key is named.</exception>
    public PortfolioGroupsOptions Options => _options.Value;

    /// <summary>The open store, or null before the host started it and after the host stopped.</summary>
    public PortfolioStore? OpenStore => Volatile.Read(ref _stopped) == 0 ? Volatile.Read(ref _store) : null;

    /// <summary>The store, for the container's singleton registration.</summary>
    /// <exception cref="InvalidOperationException">The host has not started yet, or opening the store failed at start.</exception>
    public PortfolioStore Store => Volatile.Read(ref _store) ?? throw (Volatile.Read(ref _openFailure) is { } failure
        ? new InvalidOperationException($"The PortfolioStore could not be opened when the host started: {failure.Message}", failure)
        : new InvalidOperationException(
            "The PortfolioStore is opened when the host starts (AddPortfolioGroups registers a hosted service that opens it), "
            + "and it was resolved before that. Resolve PortfolioStore after the host has started: inject it into a hosted "
            + "service, an endpoint or a request handler rather than resolving it while building the host."));

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _store) is not null)
        {
            return;
        }

        PortfolioStore store;
        try
        {
            store = await Options.OpenAsync(loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _openFailure, ex);
            throw;
        }

        if (Interlocked.CompareExchange(ref _store, store, null) is not null)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _stopped, 1);
        if (Volatile.Read(ref _store) is { } store)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _stopped, 1);
        if (Volatile.Read(ref _store) is { } store)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _stopped, 1);
        Volatile.Read(ref _store)?.Dispose();
    }
}
