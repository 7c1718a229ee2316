// The bundled default fixture: the seed's dvr3-demo12 on a static subnet (routes, DNS, meta), kept in code for single-file builds.

/** What `mdctl serve` serves without --fixture; the same instance as test/fixtures/seed-static.yaml, every version. */
export const SAMPLE_FIXTURE = `# dvr3-demo12 from the seed report, on a static subnet: a default route and two host routes,
# two DNS servers, user metadata, vendor data, one SSH key, shell-script user-data, a floating IP.
instances:
  -
    uuid: 795fed3a-431a-4b89-bd80-ffac22196e72
    name: dvr3-demo12
    hostname: dvr3-demo12
    dhcp_domain: novalocal
    project_id: feaf6d4b8b8745fb9c955389675ef5d5
    availability_zone: nova
    launch_index: 0
    reservation_id: r-dvr3demo
    ec2_id: 12
    image_id: 7
    instance_type: m1.small
    root_device_name: /dev/vda
    security_groups: [default]
    keys:
      - name: dvr3-key
        type: ssh
        data: |
          ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC2liOFPCh/iKIUeEF1o9CGrSUQc9aKpi0BI0/oNYVkTozAcMjm/xhl6AIvYOETmeY21fLxZyrazVl7RnNTDekiATFoC8/GghHG5cuE2TGjmZHikJtWMN2tUAnbKsHacoPhp06wtdkO2hCh/TrvkF+6779hNqH0DmLyAzVmIAu5s01XlUTF30iqIlSnzS1nFj26u0cBCxOcd1X32DGCH2sZ0HoNMQ9XIa97MwSBaQ3AqCwffK01RtnWm6s6WxF8MmKKOszn8ZPel8jcm8y/SYAeI1VBxWGxhqve2+VWGV9QmPIbBcDSFX7Nr2iM2ae254ttBl/gRPDqp71wfdmA4Vwerm8rBHcU9QhsYGb1dhg7FzfB8d2GOLv3h+Fm/8ySa3ftF+ytjdNlDCje5ekorfvawfMvgPVy0CtwdwUqEgnVU17oILiUMbFpUteN3ZlbLNj97QGsK2Df4FP8ZKdvQXTTSVeTwYtlUW2xF6F0wYzA3QbNLAQy+Q2fkKcy0iKZn10= root@wglee-controller-001
    user_data: |
      #!/bin/sh
      echo 'hello from dvr3-demo12 user-data' > /tmp/user-data-ran
    fixed_addresses: [192.168.0.233]
    floating_ip: 183.10.10.77
    meta:
      role: demo
      owner: platform-team
    vendor_data:
      motd: welcome to dvr3
    network_data:
      links:
        - {id: tapc8c3f2f8-5e, vif_id: c8c3f2f8-5e11-4a2b-8c3d-4e5f6a7b8c9d, type: ovs, mtu: 1450, ethernet_mac_address: "fa:16:3e:5b:a1:0c"}
      networks:
        - id: network0
          type: ipv4
          link: tapc8c3f2f8-5e
          ip_address: 192.168.0.233
          netmask: 255.255.255.0
          routes:
            - {network: 0.0.0.0, netmask: 0.0.0.0, gateway: 192.168.0.1}
            - {network: 10.20.0.0, netmask: 255.255.0.0, gateway: 192.168.0.254}
            - {network: 172.31.5.0, netmask: 255.255.255.0, gateway: 192.168.0.253}
          network_id: 94927f56-cb4e-4a74-b935-f340fde1c573
          services:
            - {type: dns, address: 192.168.0.2}
            - {type: dns, address: 192.168.0.4}
      services:
        - {type: dns, address: 192.168.0.2}
        - {type: dns, address: 192.168.0.4}
`;
