using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// A PostgreSQL server stopped and started again while a store is open, on a dedicated throwaway
/// server (never the shared one): calls fail cleanly while it is down, then work again by themselves.
/// </summary>
[NonParallelizable]
public sealed class ServerRestartTests
{
    [Test]
    public async Task Calls_fail_cleanly_while_the_server_is_down_and_recover_after_it_restarts()
    {
        PostgresTestServer server;
        try
        {
            server = await PostgresTestServer.StartAsync(TestContext.CurrentContext.CancellationToken);
        }
        catch (InvalidOperationException ex) when (!TestDatabases.IsCi)
        {
            Assert.Ignore($"A dedicated PostgreSQL server could not be started: {ex.Message}");
            throw;
        }

        await using var _ = server;
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Timeout = 5 }.ConnectionString;
        await using var store = await PortfolioStore.OpenPostgresAsync(connectionString);
        var group = await PortfolioGroup.AddAsync(store, "before", "Before");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Portfolio.AddAsync(store, $"p{i}")));

        await server.StopAsync();

        var read = await FluentActions.Awaiting(() => PortfolioGroup.GetAsync(store, group.Uid)).Should().ThrowAsync<TransientStorageException>();
        read.Which.ConnectionLost.Should().BeTrue();
        read.Which.InnerException.Should().BeAssignableTo<NpgsqlException>();
        var write = await FluentActions.Awaiting(() => Portfolio.AddAsync(store, "while-down")).Should().ThrowAsync<TransientStorageException>();
        write.Which.ConnectionLost.Should().BeTrue();

        await server.StartAgainAsync();

        (await PortfolioGroup.GetAsync(store, group.Uid)).Should().Be(group);
        await Portfolio.AddAsync(store, "after");
        (await Portfolio.FilterAsync(store)).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(["p0", "p1", "p2", "p3", "after"]);
    }
}
