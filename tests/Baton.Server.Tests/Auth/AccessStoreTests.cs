using Baton.Server.Auth;

namespace Baton.Server.Tests.Auth;

public sealed class AccessStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("baton-access-").FullName;
    private readonly ManualClock _clock = new();
    private readonly AccessStore _store;

    public AccessStoreTests() => _store = new AccessStore(AccessStore.FileIn(_dir), _clock);

    [Fact]
    public void LastEnabledAdmin_CannotBeRemovedDemotedOrDisabled()
    {
        _store.AddUser("root", Role.Admin, "h");
        Assert.Contains("last enabled admin", _store.DeleteUser("root"));
        Assert.Contains("last enabled admin", _store.UpdateUser("root", Role.Viewer, null, null));
        Assert.Contains("last enabled admin", _store.UpdateUser("root", null, null, true));
        _store.AddUser("second", Role.Admin, "h");
        Assert.Null(_store.DeleteUser("root"));
        Assert.Null(_store.GetUser("root"));
    }

    [Fact]
    public void Token_RoleIsLowerOfOwnAndOwners_AndStopsWhenRevokedExpiredOrOwnerGone()
    {
        _store.AddUser("root", Role.Admin, "h");
        _store.AddUser("dana", Role.Admin, "h");
        var token = _store.AddToken("ci", "dana", Role.Deployer, "HASH1", _clock.GetUtcNow() + TimeSpan.FromDays(1));
        Assert.Equal(Role.Deployer, _store.FindUsableToken("HASH1")!.Role);
        _store.UpdateUser("dana", Role.Viewer, null, null);
        Assert.Equal(Role.Viewer, _store.FindUsableToken("HASH1")!.Role);

        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Null(_store.FindUsableToken("HASH1"));

        _store.AddToken("ci2", "dana", Role.Viewer, "HASH2", null);
        Assert.NotNull(_store.FindUsableToken("HASH2"));
        _store.RevokeToken(_store.ListTokens("dana")[0].Id);
        Assert.Null(_store.FindUsableToken("HASH2"));

        _store.AddToken("ci3", "dana", Role.Viewer, "HASH3", null);
        _store.DeleteUser("dana");
        Assert.Null(_store.FindUsableToken("HASH3"));
        Assert.True(token.Id > 0);
    }

    [Fact]
    public void NewPassword_EndsSessions()
    {
        _store.AddUser("root", Role.Admin, "h");
        _store.AddSession("S1", "root", "csrf");
        Assert.NotNull(_store.GetSession("S1"));
        _store.UpdateUser("root", null, "h2", null);
        Assert.Null(_store.GetSession("S1"));
    }

    [Fact]
    public void Sessions_IdleAndAbsoluteExpiry()
    {
        _store.AddUser("root", Role.Admin, "h");
        var sessions = new Sessions(_store, _clock, TimeSpan.FromMinutes(30), TimeSpan.FromHours(12));
        var (id, _) = sessions.Create("root");
        _clock.Advance(TimeSpan.FromMinutes(29));
        Assert.NotNull(sessions.Validate(id));
        // Used every 29 minutes it lives on, but not past 12 hours.
        for (int i = 0; i < 23; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(29));
            if (sessions.Validate(id) is null) Assert.Fail($"ended after {(i + 2) * 29} minutes");
        }
        _clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Null(sessions.Validate(id));

        var (idle, _) = sessions.Create("root");
        _clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Null(sessions.Validate(idle));
        Assert.Null(sessions.Validate("bs_made-up"));
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
