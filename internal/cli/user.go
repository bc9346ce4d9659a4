package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/user"
)

const userUsage = `vigil user create NAME --role ROLE [--email ADDR]
vigil user list
vigil user token NAME [--label TEXT] [--expires DAYS]
vigil user revoke TOKEN_ID
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
