using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PortfolioGroups;
using PortfolioGroups.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PortfolioGroups in a service collection.</summary>
public static class PortfolioGroupsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="PortfolioStore"/> singleton that is opened once, asynchronously, when
    /// the host starts, and disposed asynchronously when it stops.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Chooses the database (<c>o.UseSqlite(cs)</c> or <c>o.UsePostgres(cs or dataSource)</c>) and the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <remarks>
    /// <para>
    /// A hosted service opens the store in <see cref="IHostedLifecycleService.StartingAsync"/>, so it
    /// is open before other hosted services start and before a web server serves. Resolving
    /// <see cref="PortfolioStore"/> before the host has started throws an
    /// <see cref="InvalidOperationException"/> that says so. Pending migrations are applied at start
    /// only with <see cref="PortfolioGroupsOptions.MigrateOnStart"/>.
    /// </para>
    /// <para>
    /// Registrations use <c>TryAdd*</c>: the first call wins and later calls add nothing. Works in any
    /// generic host (a worker service, a console app); nothing here needs ASP.NET Core.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The options name no database.</exception>
    public static IServiceCollection AddPortfolioGroups(this IServiceCollection services, Action<PortfolioGroupsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        var options = new PortfolioGroupsOptions();
        configure(options);
        options.Validate();

        services.TryAddSingleton(options);
        services.TryAddSingleton<PortfolioStoreLifetime>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PortfolioStoreLifetime>(static sp => sp.GetRequiredService<PortfolioStoreLifetime>()));
        services.TryAddSingleton(static sp => sp.GetRequiredService<PortfolioStoreLifetime>().Store);
        return services;
    }
}
