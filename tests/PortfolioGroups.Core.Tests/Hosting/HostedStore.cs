using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PortfolioGroups.Hosting;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Hosting;

/// <summary>Builds plain generic hosts (no ASP.NET Core) with AddPortfolioGroups on a fixture's database.</summary>
public abstract class HostedStoreTest(Db db) : DatabaseTest(db)
{
    /// <summary>Points the options at a database of this fixture's kind.</summary>
    protected void UseDatabase(PortfolioGroupsOptions options, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Db == Db.Sqlite)
        {
            options.UseSqlite(connectionString);
        }
        else
        {
            options.UsePostgres(connectionString);
        }
    }

    /// <summary>A generic host with AddPortfolioGroups on <paramref name="connectionString"/>, not started.</summary>
    protected IHost BuildHost(string connectionString, Action<PortfolioGroupsOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddPortfolioGroups(o =>
        {
            UseDatabase(o, connectionString);
            configure?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}
