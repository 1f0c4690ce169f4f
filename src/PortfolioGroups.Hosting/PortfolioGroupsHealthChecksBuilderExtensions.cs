using Microsoft.Extensions.Diagnostics.HealthChecks;
using PortfolioGroups.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the PortfolioGroups health check.</summary>
public static class PortfolioGroupsHealthChecksBuilderExtensions
{
    /// <summary>The default name of the check, <c>portfoliogroups</c>.</summary>
    public const string DefaultName = "portfoliogroups";

    /// <summary>
    /// Adds a check that the store <see cref="PortfolioGroupsServiceCollectionExtensions.AddPortfolioGroups(IServiceCollection, Action{PortfolioGroupsOptions})"/>
    /// registered is open, its database reachable and its schema current.
    /// </summary>
    /// <param name="builder">The health checks builder, from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">
    /// The status reported when the store is not open, the database cannot be reached, or migrations
    /// are pending; null means <see cref="HealthStatus.Unhealthy"/>. A schema migrated by a newer
    /// library is always <see cref="HealthStatus.Degraded"/>.
    /// </param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>"ready"</c>).</param>
    /// <param name="timeout">How long the check may run; null for no limit.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Call <c>AddPortfolioGroups</c> too; resolving the check without it fails with an <see cref="InvalidOperationException"/>.</remarks>
    public static IHealthChecksBuilder AddPortfolioGroups(
        this IHealthChecksBuilder builder,
        string name = DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => new PortfolioGroupsHealthCheck(sp.GetRequiredService<PortfolioStoreLifetime>()),
            failureStatus,
            tags,
            timeout));
    }

    /// <summary>
    /// Adds a check of the store registered under <paramref name="serviceKey"/> by
    /// <c>AddKeyedPortfolioGroups</c>: the same check as <see cref="AddPortfolioGroups"/>, one per store.
    /// </summary>
    /// <param name="builder">The health checks builder, from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="serviceKey">The key the store was registered under.</param>
    /// <param name="name">The check's name; null for <c>portfoliogroups-{key}</c>.</param>
    /// <param name="failureStatus">As for <see cref="AddPortfolioGroups"/>.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <param name="timeout">How long the check may run; null for no limit.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddKeyedPortfolioGroups(
        this IHealthChecksBuilder builder,
        object serviceKey,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        return builder.Add(new HealthCheckRegistration(
            name ?? $"{DefaultName}-{serviceKey}",
            sp => new PortfolioGroupsHealthCheck(sp.GetRequiredKeyedService<PortfolioStoreLifetime>(serviceKey)),
            failureStatus,
            tags,
            timeout));
    }
}
