namespace PortfolioGroups.Tests.ScaleOut;

/// <summary>The replica options refuse bad values by name, and default as documented.</summary>
public sealed class ReplicaOptionsTests
{
    [Test]
    public void The_defaults_read_from_the_primary_and_wait_one_second_when_reads_go_to_standbys()
    {
        var options = new PortfolioStoreOptions();
        options.PostgresReads.Should().Be(PostgresReadTarget.Primary);
        options.ReadYourWrites.Should().BeNull("null means on whenever reads go to standbys");
        options.ReplicaWaitTimeout.Should().Be(TimeSpan.FromSeconds(1)).And.Be(PortfolioStoreOptions.DefaultReplicaWaitTimeout);
    }

    [Test]
    public void A_negative_wait_is_refused_naming_the_option()
    {
        var act = () => new PortfolioStoreOptions { ReplicaWaitTimeout = TimeSpan.FromMilliseconds(-1) };
        act.Should().Throw<InvalidValueException>().Which.Message.Should().Contain(nameof(PortfolioStoreOptions.ReplicaWaitTimeout));
    }

    [Test]
    public void An_undefined_read_target_is_refused_naming_the_option()
    {
        var act = () => new PortfolioStoreOptions { PostgresReads = (PostgresReadTarget)7 };
        act.Should().Throw<InvalidValueException>().Which.Message.Should().Contain(nameof(PortfolioStoreOptions.PostgresReads));
    }

    [Test]
    public async Task On_sqlite_the_replica_options_change_nothing()
    {
        await using var store = await PortfolioStore.OpenSqliteAsync(
            "Data Source=replica-options;Mode=Memory;Cache=Shared",
            new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby, ReadYourWrites = true, ReplicaWaitTimeout = TimeSpan.Zero });
        var portfolio = await Portfolio.AddAsync(store, "p1");
        (await Portfolio.FindAsync(store, portfolio.Uid)).Should().NotBeNull();
    }
}
