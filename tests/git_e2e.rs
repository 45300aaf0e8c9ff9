//! End to end: real git clones and pushes through the helper against the
//! local Bitbucket stand-in, configured the way a user would configure it.

mod support;

use support::*;

const API_TOKEN: &str = "ATATT3xFfGF0-test-api-token";
const EMAIL: &str = "jdoe@example.com";

fn cloud_user(bb: &Bitbucket) -> User {
    let user = User::new(bb);
    user.use_helper_for("https://bitbucket.org");
    user
}

#[test]
fn api_token_with_username_clones_and_pushes() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken { username: "jdoe".into(), email: EMAIL.into(), secret: API_TOKEN.into() });
    let user = cloud_user(&bb);
    user.write_config(&format!(
        "[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nusername = \"jdoe\"\nemail = \"{EMAIL}\"\nsecret = \"file\"\n"
    ));
    user.write_secrets(&[("acme", API_TOKEN)]);
    let out = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "widget"]);
    assert_ok(&out);
    assert!(user.path("widget/README.md").exists());
    assert_eq!(stderr(&out), "", "the helper says nothing on success");
    std::fs::write(user.path("widget/new.txt"), "x").unwrap();
    assert_ok(&user.git(&["-C", "widget", "add", "new.txt"]));
    assert_ok(&user.git(&["-C", "widget", "commit", "-q", "-m", "pushed through the helper"]));
    assert_ok(&user.git(&["-C", "widget", "push", "-q", "origin", "main"]));
    assert!(bb.log("cloud/acme/widget.git").contains("pushed through the helper"));
    let authed: Vec<Seen> = bb.requests().into_iter().filter(|s| s.auth != Presented::None).collect();
    assert!(!authed.is_empty());
    for s in authed {
        assert_eq!(s.auth, Presented::Basic("jdoe".into(), API_TOKEN.into()), "{s:?}");
        assert_eq!(s.status, 200);
    }
}
