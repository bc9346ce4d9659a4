package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/web"
)

const userUsage = `vigil user create NAME --role ROLE [--email ADDR]
vigil user list
vigil user token NAME [--label TEXT] [--expires DAYS]
vigil user revoke TOKEN_ID
vigil user password NAME [--password-stdin]   (the web UI's login: typed twice on stdin, or read once with --password-stdin)
vigil user entitle NAME PRODUCT...   (a customer's support option: its products' advisories by mail)`

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErr("\n%s", userUsage)
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	get := flags(fs, e)
	role := fs.String("role", "", "role: admin, psirt, engineer, liaison, customer")
	email := fs.String("email", "", "e-mail address")
	label := fs.String("label", "cli", "token label")
	days := fs.Int("expires", 0, "token lifetime in days (0: no expiry)")
	pwStdin := fs.Bool("password-stdin", false, "read the password once from stdin (for scripts)")
	// Flags may follow the positional argument: vigil user create alice --role psirt.
	var pos []string
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) > 0 {
			pos, rest = append(pos, rest[0]), rest[1:]
		}
	}
	c, err := get()
	if err != nil {
		return err
	}
	svc, closeStore, err := service(ctx, e, c, false)
	if err != nil {
		return err
	}
	defer closeStore()
	who := casework.Actor{Kind: "system", Name: "cli"}
	switch {
	case sub == "create" && len(pos) == 1:
		u, err := svc.CreateUser(ctx, who, user.User{Name: pos[0], Role: user.Role(*role), Email: *email})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created user %s (id %d, role %s)\n", u.Name, u.ID, u.Role)
		return nil
	case sub == "list" && len(pos) == 0:
		us, err := svc.Store.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tEMAIL\tDISABLED")
		for _, u := range us {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\n", u.ID, u.Name, u.Role, u.Email, u.Disabled)
		}
		return tw.Flush()
	case sub == "token" && len(pos) == 1:
		u, err := svc.Store.UserByName(ctx, pos[0])
		if err != nil {
			return fmt.Errorf("user %s: %w", pos[0], err)
		}
		var exp *time.Time
		if *days > 0 {
			t := e.now().UTC().AddDate(0, 0, *days)
			exp = &t
		}
		t, plain, err := svc.IssueToken(ctx, who, u.ID, *label, exp)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "token %d for %s (shown only now):\n", t.ID, u.Name)
		fmt.Fprintln(e.stdout, plain)
		return nil
	case sub == "entitle" && len(pos) >= 2:
		u, err := svc.Store.UserByName(ctx, pos[0])
		if err != nil {
			return fmt.Errorf("user %s: %w", pos[0], err)
		}
		subs, err := svc.Entitle(ctx, who, u.ID, pos[1:])
		if err != nil {
			return err
		}
		for _, s := range subs {
			fmt.Fprintf(e.stdout, "%s: advisories of %s to %s (%s)\n", u.Name, s.Product, s.Email, s.State)
		}
		return nil
	case sub == "password" && len(pos) == 1:
		pw, err := readNewPassword(os.Stdin, e.stderr, *pwStdin)
		if err != nil {
			return err
		}
		if err := web.SetPassword(ctx, svc, who, pos[0], pw); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		fmt.Fprintf(e.stdout, "password set for %s; their sessions have ended\n", pos[0])
		return nil
	case sub == "revoke" && len(pos) == 1:
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return usageErr("TOKEN_ID must be a number")
		}
		if err := svc.RevokeToken(ctx, who, id); err != nil {
			return fmt.Errorf("token %d: %w", id, err)
		}
		fmt.Fprintf(e.stdout, "revoked token %d\n", id)
		return nil
	}
	return usageErr("\n%s", strings.TrimSpace(userUsage))
}

// readNewPassword reads a new password from in: one line with once (a
// script pipes it), otherwise two lines that must match, prompted on
// prompt. Lines are bounded; the line end is not part of the password.
// The terminal's echo is not turned off: type it where nobody watches, or
// pipe it with --password-stdin.
func readNewPassword(in io.Reader, prompt io.Writer, once bool) (string, error) {
	r := bufio.NewReaderSize(io.LimitReader(in, 2*(web.MaxPassword+2)), 2*(web.MaxPassword+2))
	line := func() (string, error) {
		s, err := r.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && s != "") {
			if errors.Is(err, io.EOF) {
				return "", errors.New("password: nothing on stdin")
			}
			return "", fmt.Errorf("read password: %w", err)
		}
		if len(s) > web.MaxPassword+2 || !strings.HasSuffix(s, "\n") && len(s) > web.MaxPassword {
			return "", fmt.Errorf("password: at most %d bytes", web.MaxPassword)
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	if once {
		return line()
	}
	fmt.Fprint(prompt, "New password (at least 12 characters; it is shown as you type): ")
	first, err := line()
	if err != nil {
		return "", err
	}
	fmt.Fprint(prompt, "Again: ")
	second, err := line()
	if err != nil {
		return "", err
	}
	if first != second {
		return "", errors.New("password: the two entries differ")
	}
	return first, nil
}
