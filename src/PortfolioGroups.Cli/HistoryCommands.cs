using System.CommandLine;
using System.Text.Json;

namespace PortfolioGroups.Cli;

/// <summary><c>members history</c> (the change log of a group or a portfolio) and <c>history prune</c>.</summary>
internal static class HistoryCommands
{
    /// <summary><c>members history [GROUP] [--portfolio P] [--from T] [--to T]</c>.</summary>
    public static Command CreateMembersHistory()
    {
        var group = new Argument<string?>("group") { Description = "The group's unique identifier (now, or one it had then).", Arity = ArgumentArity.ZeroOrOne };
        var portfolio = new Option<string?>("--portfolio") { Description = "The portfolio's unique identifier (now, or one it had then): its intervals in every group, or in GROUP." };
        var from = Instants.Option("--from", "List the intervals in force at or after this instant.");
        var to = Instants.Option("--to", "List the intervals in force before this instant.");
        var history = new Command("history", "List the membership intervals of a group or of a portfolio (when each portfolio joined and left), from the history the database keeps.") { group, portfolio, from, to };
        history.SetAction((parse, ct) => HistoryAsync(parse, parse.GetValue(group), parse.GetValue(portfolio), parse.GetValue(from), parse.GetValue(to), ct));
        return history;
    }

    /// <summary><c>history prune --before T</c>.</summary>
    public static Command Create()
    {
        var before = Instants.Option("--before", "Remove the intervals that ended before this instant.");
        before.Required = true;
        var prune = new Command("prune", "Remove the membership intervals that ended before an instant (current memberships are never removed), and the group deletions before it, in one transaction; prints how many intervals.") { before };
        prune.SetAction((parse, ct) => PruneAsync(parse, parse.GetValue(before)!.Value, ct));
        return new Command("history", "Maintain the membership history the database keeps.") { prune };
    }

    public static string FormatOrEmpty(DateTimeOffset? instant) => instant is { } value ? Instants.Format(value) : "";

    public static void WriteInstantOrNull(Utf8JsonWriter json, string name, DateTimeOffset? instant)
    {
        if (instant is { } value)
        {
            json.WriteString(name, Instants.Format(value));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static async Task<int> HistoryAsync(ParseResult parse, string? group, string? portfolio, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        if (group is null && portfolio is null)
        {
            throw new CliException(ExitCodes.Usage, "members history needs a GROUP, --portfolio P, or both.");
        }

        if (from is { } start && to is { } end && end < start)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--to ({Instants.Format(end)}) is earlier than --from ({Instants.Format(start)}).");
        }

        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var filter = new MembershipHistoryFilter
        {
            Group = group is null ? null : (PortfolioGroupRef?)group,
            Portfolio = portfolio is null ? null : (PortfolioRef?)portfolio,
            From = from,
            To = to,
        };
        var intervals = PortfolioGroupMembership.StreamHistoryAsync(store, filter, ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonArrayAsync(
                intervals,
                (json, interval) =>
                {
                    json.WriteStartObject();
                    json.WriteString("membership_uid", interval.MembershipUid);
                    json.WriteString("group_uid", interval.GroupUid);
                    json.WriteString("group_unique_identifier", interval.GroupUniqueIdentifier);
                    json.WriteString("portfolio_uid", interval.PortfolioUid);
                    json.WriteString("portfolio_unique_identifier", interval.PortfolioUniqueIdentifier);
                    json.WriteString("valid_from", Instants.Format(interval.ValidFrom));
                    WriteInstantOrNull(json, "valid_to", interval.ValidTo);
                    json.WriteEndObject();
                },
                ct);
            return ExitCodes.Success;
        }

        await Output.Text.WriteLineAsync("group\tportfolio\tvalid from\tvalid to");
        await foreach (var interval in intervals)
        {
            await Output.Text.WriteLineAsync($"{interval.GroupUniqueIdentifier}\t{interval.PortfolioUniqueIdentifier}\t{Instants.Format(interval.ValidFrom)}\t{FormatOrEmpty(interval.ValidTo)}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> PruneAsync(ParseResult parse, DateTimeOffset before, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var pruned = await PortfolioGroupMembership.PruneHistoryAsync(store, before, ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    json.WriteNumber("pruned", pruned);
                    json.WriteString("before", Instants.Format(before));
                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            await Output.Text.WriteLineAsync($"Pruned {pruned} interval(s) that ended before {Instants.Format(before)}.");
        }

        return ExitCodes.Success;
    }
}
