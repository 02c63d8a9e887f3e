package server

import (
	"fmt"
	"strconv"

	"github.com/orca-scxml/orca/ors"
)

// QueueConfig is a virtual queue as Configuration Server knows it: a DN
// object of the switch with a DBID. Reporting sends the DBID and the
// object's type with the queue's name (_CB_DIM_VQ_DBID, VQ_CFG_TYPE_ID,
// VQ_CFG_TYPE), which is how Info Mart finds the queue's RESOURCE_ row;
// the strategies see the queue in their environment.
type QueueConfig struct {
	// Name is the queue's name, as the service options give it
	// (_urs_virtual_queue, _vq_for_outbound_calls, ...).
	Name string `yaml:"name"`
	// DBID is the configuration DBID of the queue's DN object.
	DBID int `yaml:"dbid"`
	// Type is the DN's type: "virtual" (a Virtual Queue, the default) or
	// "acd" (an ACD Queue). Both are DN objects (CFGDN).
	Type string `yaml:"type"`
}

// validateQueues checks the queues section: names given once, DBIDs
// positive and given once, known types.
func (c Config) validateQueues() []error {
	var errs []error
	names, dbids := map[string]bool{}, map[int]string{}
	for i, q := range c.Queues {
		at := fmt.Sprintf("queues[%d]", i)
		switch {
		case q.Name == "":
			errs = append(errs, fmt.Errorf("%s: no name", at))
		case names[q.Name]:
			errs = append(errs, fmt.Errorf("%s: queue %q is defined twice", at, q.Name))
		}
		names[q.Name] = true
		switch other, dup := dbids[q.DBID]; {
		case q.DBID <= 0:
			errs = append(errs, fmt.Errorf("%s.dbid: a DBID is a positive integer, not %d", at, q.DBID))
		case dup:
			errs = append(errs, fmt.Errorf("%s.dbid: DBID %d is queue %s's too", at, q.DBID, strconv.Quote(other)))
		default:
			dbids[q.DBID] = q.Name
		}
		if q.Type != "" && q.Type != "virtual" && q.Type != "acd" {
			errs = append(errs, fmt.Errorf("%s.type: want virtual or acd, not %q", at, q.Type))
		}
	}
	return errs
}

// queueDBID returns the DBID of the configured queue name, for
// reporting.Options.Queues.
func (s *Server) queueDBID(name string) (int, bool) {
	for _, q := range s.cfg.Queues {
		if q.Name == name {
			return q.DBID, true
		}
	}
	return 0, false
}

// environment is what the strategies see of the configuration: the
// queues, with their DBIDs and types.
func (c Config) environment() *ors.Environment {
	if len(c.Queues) == 0 {
		return nil
	}
	env := &ors.Environment{}
	for _, q := range c.Queues {
		env.Queues = append(env.Queues, ors.Queue{Name: q.Name, DBID: q.DBID, Kind: q.Type})
	}
	return env
}
