package hub

import (
	"crypto/tls"
	"fmt"
	"net"
)

// tlsConfig loads the certificate both HTTPS and MQTT over TLS present; nil
// when none is configured.
func (o Options) tlsConfig() (*tls.Config, error) {
	if o.TLSCert == "" && o.TLSKey == "" {
		return nil, nil
	}
	if o.TLSCert == "" || o.TLSKey == "" {
		return nil, fmt.Errorf("tls: give both --tls-cert and --tls-key")
	}
	cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// listenTLS opens the HTTPS listener in place of plain HTTP and, with
// MQTTTLSAddr, the embedded broker's MQTT-over-TLS listener.
func (h *Hub) listenTLS() error {
	cfg, err := h.opts.tlsConfig()
	if err != nil || cfg == nil {
		if err == nil && h.opts.MQTTTLSAddr != "" {
			err = fmt.Errorf("tls: --mqtt-tls-addr needs --tls-cert and --tls-key")
		}
		return err
	}
	h.httpLn = tls.NewListener(h.httpLn, cfg)
	h.httpTLS = true
	if h.opts.MQTTTLSAddr != "" && h.opts.MQTTURL == "" {
		ln, err := net.Listen("tcp", h.opts.MQTTTLSAddr)
		if err != nil {
			return fmt.Errorf("mqtt tls listener: %w", err)
		}
		h.mqttTLSLn = tls.NewListener(ln, cfg)
	}
	return nil
}

// MQTTTLSAddr is where the embedded broker takes MQTT over TLS ("" if off).
func (h *Hub) MQTTTLSAddr() string {
	if h.mqttTLSLn == nil {
		return ""
	}
	return h.mqttTLSLn.Addr().String()
}

// BaseURL is the hub's own http:// or https:// address.
func (h *Hub) BaseURL() string {
	if h.httpTLS {
		return "https://" + h.HTTPAddr()
	}
	return "http://" + h.HTTPAddr()
}
