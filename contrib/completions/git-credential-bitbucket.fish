# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_git_credential_bitbucket_global_optspecs
    string join \n h/help V/version
end

function __fish_git_credential_bitbucket_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_git_credential_bitbucket_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_git_credential_bitbucket_using_subcommand
    set -l cmd (__fish_git_credential_bitbucket_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -s V -l version -d 'Print version'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "get" -d 'Answer git\'s request for a credential (run by git)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "store" -d 'Hear from git that a credential worked (run by git)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "erase" -d 'Hear from git that a credential was rejected (run by git)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "login" -d 'Sign in: says where to make the token, reads it, checks it, saves it and configures git'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "add" -d 'Store a new credential for a URL; the secret is read from a prompt or standard input'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "list" -d 'Show the configured credentials, where their secrets live, expiry and rejections'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "status" -d 'Each credential\'s state: kind, scope, secret, expiry, last rejection, whether git runs the helper for it; exit status 1 when one has a problem'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "remove" -d 'Remove a credential: its entry and its secret (or, with --learned, what git asked to keep for a URL)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "rotate" -d 'Replace an entry\'s secret where it lives (a new token after one expired or was revoked); the entry stays'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "verify" -d 'Ask Bitbucket whether each credential (or the one named) clones and pushes, as git will use it'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "setup" -d 'Configure git to use this helper (and send repository paths) for a Bitbucket URL'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "doctor" -d 'Check git, the configuration, the stores, expiry and permissions'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "migrate" -d 'Replace app-password entries by API tokens for the same scope'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "header" -d 'Print the Authorization header Bitbucket\'s REST API wants for URL'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand get" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand store" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand erase" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -l email -d 'The Atlassian account email (API tokens: the REST API\'s username)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -l username -d 'The Bitbucket username (Data Center personal tokens; an API token\'s is learned when its scopes allow)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -l repo -d 'The repository to check clone and push on, WORKSPACE/REPO (PROJECT/REPO on Data Center); a project token\'s repositories, comma-separated' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -l scope -d 'What an access or HTTP token was made for' -r -f -a "repository\t'One repository'
project\t'A project (Cloud: the repositories listed in `repos`)'
workspace\t'A Cloud workspace'
user\t'A Data Center user\'s own token'"
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -l store -d 'Where the secret goes (default: settings.store; auto means the keyring when it answers)' -r -f -a "keyring\t'The OS keyring'
file\t'The file store beside the configuration (one 0600 file per entry)'"
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -l expires -d 'The token\'s expiry date, YYYY-MM-DD' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -l name -d 'The entry\'s name (default: made from the URL)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -l with-token -d 'Read the token from standard input instead of a prompt (for scripts)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l kind -d 'The kind of secret; recognised from the token\'s prefix when left out' -r -f -a "app-password\t'A Cloud app password (ATBB…), removed on 2026-07-28'
api-token\t'An Atlassian API token with Bitbucket scopes (ATATT…)'
access-token\t'A Cloud repository, project or workspace access token (ATCTT…)'
http-token\t'A Data Center HTTP access token (BBDC-…)'"
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l name -d 'The entry\'s name (default: made from the URL)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l username -d 'The Bitbucket username (app passwords, API tokens, Data Center personal tokens)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l email -d 'The Atlassian account email (API tokens; the REST API needs it)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l scope -d 'What an access or HTTP token was made for' -r -f -a "repository\t'One repository'
project\t'A project (Cloud: the repositories listed in `repos`)'
workspace\t'A Cloud workspace'
user\t'A Data Center user\'s own token'"
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l repos -d 'The repositories of a Cloud project token, WORKSPACE/REPO (repeat or comma-separate)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l expires -d 'The token\'s expiry date, YYYY-MM-DD' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l store -d 'Where the secret goes (default: settings.store; auto means the keyring when it answers)' -r -f -a "keyring\t'The OS keyring'
file\t'The file store beside the configuration (one 0600 file per entry)'"
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l api-base -d 'The REST API base URL for --verify (default: https://api.bitbucket.org, or the Data Center server)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l verify -d 'Check the credential against Bitbucket\'s REST API before saving it'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l force -d 'Save an app password even though Bitbucket removed them'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -l replace -d 'Replace the entry of the same name, or the one that already covers this URL and username, entry and secret both'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand list" -l json -d 'One JSON document instead of the table'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand list" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand status" -l verify -d 'Also ask Bitbucket whether each one works, as verify does'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand status" -l json -d 'One JSON document instead of lines'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand status" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand remove" -l learned -d 'Instead of an entry, remove the credentials learned from git for URL (https://HOST[:PORT][/PATH])' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand remove" -l keep-secret -d 'Leave the entry\'s secret where it is (in the OS keyring or the file store)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand remove" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand rotate" -l expires -d 'The new token\'s expiry date, YYYY-MM-DD' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand rotate" -l api-base -d 'The REST API base URL for the check (default: https://api.bitbucket.org, or the Data Center server)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand rotate" -l no-verify -d 'Replace the old token without asking Bitbucket about the new one first (offline)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand rotate" -l verify -d 'Check the new token first: what rotate does unless --no-verify is given'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand rotate" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand verify" -l repo -d 'A repository in the entry\'s scope to check git access on (WORKSPACE/REPO, or PROJECT/REPO on Data Center); default: the entry\'s own' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand verify" -l api-base -d 'The REST API base URL (default: https://api.bitbucket.org, or the Data Center server)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand verify" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand setup" -l global -d 'Write the user\'s git configuration (the default)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand setup" -l system -d 'Write the machine\'s git configuration'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand setup" -l local -d 'Write the current repository\'s git configuration'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand setup" -l remove -d 'Take out the lines setup wrote for the URL (before uninstalling), and nothing else'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand setup" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand migrate" -l email -d 'The Atlassian account email the new token belongs to (asked for on a terminal when left out)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand migrate" -l expires -d 'The new token\'s expiry date, YYYY-MM-DD' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand migrate" -l api-base -d 'The REST API base URL used to check the new token (default: https://api.bitbucket.org)' -r
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand header" -s h -l help -d 'Print help'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "get" -d 'Answer git\'s request for a credential (run by git)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "store" -d 'Hear from git that a credential worked (run by git)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "erase" -d 'Hear from git that a credential was rejected (run by git)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "login" -d 'Sign in: says where to make the token, reads it, checks it, saves it and configures git'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "add" -d 'Store a new credential for a URL; the secret is read from a prompt or standard input'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "list" -d 'Show the configured credentials, where their secrets live, expiry and rejections'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "status" -d 'Each credential\'s state: kind, scope, secret, expiry, last rejection, whether git runs the helper for it; exit status 1 when one has a problem'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "remove" -d 'Remove a credential: its entry and its secret (or, with --learned, what git asked to keep for a URL)'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "rotate" -d 'Replace an entry\'s secret where it lives (a new token after one expired or was revoked); the entry stays'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "verify" -d 'Ask Bitbucket whether each credential (or the one named) clones and pushes, as git will use it'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "setup" -d 'Configure git to use this helper (and send repository paths) for a Bitbucket URL'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "doctor" -d 'Check git, the configuration, the stores, expiry and permissions'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "migrate" -d 'Replace app-password entries by API tokens for the same scope'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "header" -d 'Print the Authorization header Bitbucket\'s REST API wants for URL'
complete -c git-credential-bitbucket -n "__fish_git_credential_bitbucket_using_subcommand help; and not __fish_seen_subcommand_from get store erase login add list status remove rotate verify setup doctor migrate header help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
