"""The moto CloudFormation smoke test of sam/template.yaml (moto_test.go runs it).

  python3 moto_smoke.py serve HOST PORT
      moto's server (what moto_server runs), with the fixes below; PORT 0
      lets it pick one, which it prints.
  python3 moto_smoke.py check ENDPOINT TEMPLATE ZIPDIR
      translates TEMPLATE with aws-sam-translator, uploads ZIPDIR's
      function.zip and extension-layer.zip (make lambda) to a bucket, points
      CodeUri/ContentUri at them, creates the stack with the default
      parameters plus JwtSecret and Acl, and checks what was created. Prints
      what it checked; exits 1 with the list of failures.

Resource types moto's CloudFormation does not implement are left out of the
stack it creates (moto would skip them with a warning, and a !GetAtt of one
would fail the stack), and so is everything that refers to one, outputs
included; the list is printed. With moto 5.2 that is AWS::Lambda::Url, the
Function URL: it is not created here, and the Url output with it. Which types
moto implements is read from moto itself, so a resource added to the template
is created here as soon as moto knows its type.

moto's CloudFormation passes only some properties of AWS::Lambda::Function to
its CreateFunction (not Architectures or Layers) and of
AWS::Lambda::LayerVersion to its PublishLayerVersion (not
CompatibleArchitectures); `serve` makes it pass those too, to the same moto
code its Lambda API runs, which checks that each layer ARN is a published
layer version; and it makes Ref of a layer version its ARN, as in
CloudFormation (moto's Ref gives an object there). Not modelled by moto's
CloudFormation, and so not checked here: LoggingConfig and LayerName (moto
names the layer after the stack and the logical id), a bucket's
PublicAccessBlockConfiguration and OwnershipControls, a role's
ManagedPolicyArns.
"""

import ast
import base64
import hashlib
import json
import os
import re
import sys
import time

REGION = "us-east-1"
CODE_BUCKET = "datatap-moto-code"
SECRET = "s3cr3t-of-at-least-32-bytes-long!!"
ACL = "alice@example.com"
STACK = "datatap-moto"
NO_VALUE = object()  # Ref AWS::NoValue: the property is left out


def serve(host, port):
    from moto.awslambda.models import LambdaFunction, LayerVersion

    create_function = LambdaFunction.create_from_cloudformation_json.__func__

    def function_from_cfn(cls, name, cfn, account_id, region, **kw):
        fn = create_function(cls, name, cfn, account_id, region, **kw)
        p = cfn["Properties"]
        if "Architectures" in p:
            fn.architectures = p["Architectures"]
        if "Layers" in p:
            fn.layers = fn._get_layers_data(p["Layers"])  # raises for an unknown layer version
        return fn

    publish_layer = LayerVersion.create_from_cloudformation_json.__func__

    def layer_from_cfn(cls, name, cfn, account_id, region, **kw):
        lv = publish_layer(cls, name, cfn, account_id, region, **kw)
        lv.compatible_architectures = cfn["Properties"].get("CompatibleArchitectures", [])
        return lv

    # Ref of a layer version is its ARN (CloudFormation); moto's model has
    # no physical id, so its Ref gives the Python object.
    LayerVersion.physical_resource_id = property(lambda self: self.arn)
    LambdaFunction.create_from_cloudformation_json = classmethod(function_from_cfn)
    LayerVersion.create_from_cloudformation_json = classmethod(layer_from_cfn)

    from moto.server import main

    main(["-H", host, "-p", str(port)])


def translate(path, uris):
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    class NoManagedPolicies:
        def load(self):
            return {}

    tpl = yaml_parse(open(path).read())
    for r in tpl["Resources"].values():
        p = r.get("Properties", {})
        for k in ("CodeUri", "ContentUri"):
            if k in p:
                p[k] = uris[k]
    return transform(tpl, {}, NoManagedPolicies())


def refs(x):
    """The logical ids x refers to (Ref, Fn::GetAtt, ${} in Fn::Sub)."""
    out = set()
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "Ref" and isinstance(v, str):
                out.add(v)
            elif k == "Fn::GetAtt":
                out.add(v[0] if isinstance(v, list) else v.split(".")[0])
            elif k == "Fn::Sub":
                s, local = (v, {}) if isinstance(v, str) else (v[0], v[1])
                out |= {n.split(".")[0] for n in re.findall(r"\$\{([^}!]+)\}", s)} - set(local)
                out |= refs(local)
            else:
                out |= refs(v)
    elif isinstance(x, list):
        for v in x:
            out |= refs(v)
    return out


def leave_out_unsupported(tpl):
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    supported = set(get_model_map()) | set(NULL_MODELS)
    res = tpl["Resources"]
    out = {n: "type " + r["Type"] for n, r in res.items() if r["Type"] not in supported and not r["Type"].startswith("Custom::")}
    changed = True
    while changed:
        changed = False
        for n, r in res.items():
            if n in out:
                continue
            deps = refs(r) | set([r["DependsOn"]] if isinstance(r.get("DependsOn"), str) else r.get("DependsOn", []))
            if deps & set(out):
                out[n] = "refers to " + ", ".join(sorted(deps & set(out)))
                changed = True
    for n in out:
        del res[n]
    for n in [n for n, o in tpl.get("Outputs", {}).items() if refs(o) & set(out)]:
        out["output " + n] = "refers to " + ", ".join(sorted(refs(tpl["Outputs"][n]) & set(out)))
        del tpl["Outputs"][n]
    return out


class Evaluator:
    """Values of the template's expressions for the stack's parameters."""

    def __init__(self, tpl, params, physical):
        self.tpl, self.params, self.physical = tpl, params, physical

    def param(self, name):
        if name in self.params:
            return self.params[name]
        return str(self.tpl["Parameters"][name].get("Default", ""))

    def condition(self, name):
        return self.truth(self.tpl["Conditions"][name])

    def truth(self, e):
        (op, a), = e.items()
        if op == "Fn::Equals":
            return self.value(a[0]) == self.value(a[1])
        if op == "Fn::Not":
            return not self.truth(a[0])
        if op == "Fn::And":
            return all(self.truth(x) for x in a)
        if op == "Fn::Or":
            return any(self.truth(x) for x in a)
        if op == "Condition":
            return self.condition(a)
        raise ValueError(e)

    def value(self, e):
        """A string, or None for what this does not evaluate."""
        if isinstance(e, (str, int, float, bool)):
            return str(e).lower() if isinstance(e, bool) else str(e)
        if not isinstance(e, dict) or len(e) != 1:
            return None
        (op, a), = e.items()
        if op == "Ref":
            if a in self.tpl.get("Parameters", {}):
                return self.param(a)
            if a == "AWS::NoValue":
                return NO_VALUE
            return {"AWS::Region": REGION, "AWS::Partition": "aws", "AWS::StackName": STACK}.get(a, self.physical.get(a))
        if op == "Fn::If":
            return self.value(a[1] if self.condition(a[0]) else a[2])
        if op == "Fn::Sub":
            text, local = (a, {}) if isinstance(a, str) else (a[0], a[1])
            pseudo = {"AWS::Region": REGION, "AWS::Partition": "aws", "AWS::StackName": STACK, "AWS::AccountId": None}

            def sub(m):
                name = m.group(1)
                v = self.value(local[name]) if name in local else pseudo[name] if name in pseudo else self.value({"Ref": name}) if "." not in name else None
                if not isinstance(v, str):
                    raise LookupError(name)
                return v

            try:
                return re.sub(r"\$\{([^}!]+)\}", sub, text)
            except LookupError:
                return None
        if op == "Fn::Select":
            parts = self.list(a[1])
            return None if parts is None else parts[int(a[0])]
        return None

    def list(self, e):
        if isinstance(e, dict) and "Fn::Split" in e:
            sep, s = e["Fn::Split"]
            s = self.value(s)
            return None if s is None else s.split(sep)
        return None


def check(endpoint, template, zipdir):
    import boto3

    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    client = lambda name: boto3.client(name, endpoint_url=endpoint, region_name=REGION)
    s3, cfn, lam, iam, logs = (client(n) for n in ("s3", "cloudformation", "lambda", "iam", "logs"))
    failures = []

    def expect(ok, what, got=None):
        print(("ok   " if ok else "FAIL ") + what + ("" if ok or got is None else f": got {got!r}"))
        if not ok:
            failures.append(what)

    zips = {"CodeUri": "function.zip", "ContentUri": "extension-layer.zip"}
    s3.create_bucket(Bucket=CODE_BUCKET)
    code = {}
    for k, f in zips.items():
        body = open(os.path.join(zipdir, f), "rb").read()
        s3.put_object(Bucket=CODE_BUCKET, Key=f, Body=body)
        code[k] = {"size": len(body), "sha256": base64.b64encode(hashlib.sha256(body).digest()).decode()}
    tpl = translate(template, {k: f"s3://{CODE_BUCKET}/{f}" for k, f in zips.items()})
    for what, why in sorted(leave_out_unsupported(tpl).items()):
        print(f"left out of the moto stack: {what} ({why})")

    params = {"JwtSecret": SECRET, "Acl": ACL}
    stack = STACK
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(tpl), Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()])
    for _ in range(600):
        desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if not desc["StackStatus"].endswith("IN_PROGRESS"):
            break
        time.sleep(0.1)
    expect(desc["StackStatus"] == "CREATE_COMPLETE", "stack CREATE_COMPLETE", f'{desc["StackStatus"]} {desc.get("StackStatusReason", "")}')
    if failures:
        for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]:
            print("  event:", e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        return failures

    created = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    # moto gives permissions no physical id.
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in created}
    ev = Evaluator(tpl, params, physical)
    want = {n for n, r in tpl["Resources"].items() if "Condition" not in r or ev.condition(r["Condition"])}
    expect(set(physical) == want, f"the stack holds every resource whose condition holds: {sorted(want)}", sorted(physical))
    for r in created:
        expect(r["ResourceStatus"] == "CREATE_COMPLETE", f'{r["LogicalResourceId"]} ({r["ResourceType"]}) CREATE_COMPLETE', r["ResourceStatus"])

    def only(kind):
        names = [n for n, r in tpl["Resources"].items() if r["Type"] == kind and n in physical]
        expect(len(names) == 1, f"one {kind}", names)
        return names[0] if names else None

    outputs = {o["OutputKey"]: o["OutputValue"] for o in desc.get("Outputs", [])}
    for n, o in tpl.get("Outputs", {}).items():
        v = ev.value(o["Value"])
        expect(n in outputs and (v is None or outputs[n] == v), f"output {n} = {v}", outputs.get(n))

    # The bucket, as the template describes it.
    bucket = physical[only("AWS::S3::Bucket")]
    enc = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    expect([r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in enc] == ["AES256"], "bucket encrypted with AES256", enc)
    # moto's CloudFormation applies BucketEncryption and Tags of a bucket,
    # not PublicAccessBlockConfiguration or OwnershipControls: those are
    # checked by cfn-lint and the translate tests only.

    # The layer: the extension zip, arm64, provided.al2023.
    layer_arn = physical[only("AWS::Lambda::LayerVersion")]
    name, version = layer_arn.rsplit(":", 1)  # moto's GetLayerVersionByArn answers {}
    layer = lam.get_layer_version(LayerName=name, VersionNumber=int(version))
    expect(layer["Content"]["CodeSha256"] == code["ContentUri"]["sha256"], "layer content is extension-layer.zip", layer["Content"])
    expect(layer["CompatibleRuntimes"] == ["provided.al2023"], "layer for provided.al2023", layer["CompatibleRuntimes"])
    expect(layer.get("CompatibleArchitectures") == ["arm64"], "layer for arm64", layer.get("CompatibleArchitectures"))

    # The function: the function zip, the runtime, the architecture, the
    # layer, the role, and every environment variable the template sets.
    fname = only("AWS::Lambda::Function")
    fprops = tpl["Resources"][fname]["Properties"]
    fn = lam.get_function(FunctionName=physical[fname])["Configuration"]
    expect(fn["CodeSha256"] == code["CodeUri"]["sha256"] and fn["CodeSize"] == code["CodeUri"]["size"], "function code is function.zip", fn["CodeSha256"])
    expect(fn["Runtime"] == "provided.al2023", "runtime provided.al2023", fn["Runtime"])
    expect(fn["Handler"] == "bootstrap", "handler bootstrap", fn["Handler"])
    expect(fn.get("Architectures") == ["arm64"], "architecture arm64", fn.get("Architectures"))
    expect([x["Arn"] for x in fn.get("Layers", [])] == [layer_arn], f"the layer {layer_arn} attached", fn.get("Layers"))
    for k in ("MemorySize", "Timeout"):
        v = ev.value(fprops[k])
        expect(str(fn[k]) == v, f"{k} {v}", fn[k])
    env = fn.get("Environment", {}).get("Variables", {})
    for k, e in fprops["Environment"]["Variables"].items():
        v = ev.value(e)
        if v is NO_VALUE:
            expect(k not in env, f"environment {k} not set", env.get(k))
        else:
            expect(k in env and (v is None or env[k] == v), f"environment {k}={v if v is not None else '(set)'}", env.get(k))
    expect(env.get("TAP_BUCKET") == bucket, "TAP_BUCKET is the stack's bucket", env.get("TAP_BUCKET"))
    expect(env.get("TAP_AUTH") == "jwt" and env.get("TAP_ACL") == ACL, "TAP_AUTH jwt with the Acl given", (env.get("TAP_AUTH"), env.get("TAP_ACL")))

    # The role: assumable by Lambda, and s3:PutObject on the two
    # prefixes (up to their first strftime verb) in the bucket and on the
    # table schema objects.
    rname = only("AWS::IAM::Role")
    role = iam.get_role(RoleName=physical[rname])["Role"]
    expect(fn["Role"] == role["Arn"], "the function runs as the stack's role", fn["Role"])
    trust = json.dumps(role["AssumeRolePolicyDocument"])
    expect("lambda.amazonaws.com" in trust and "sts:AssumeRole" in trust, "role assumable by lambda.amazonaws.com", trust)
    # (moto's CloudFormation does not attach a role's ManagedPolicyArns.)
    puts = []
    for pn in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=pn)["PolicyDocument"]
        # moto answers a policy given to CloudFormation as an object with
        # its Python repr.
        doc = ast.literal_eval(doc) if isinstance(doc, str) else doc
        # moto keeps a list element that is !Ref AWS::NoValue as None,
        # where CloudFormation drops it.
        for st in [st for st in doc["Statement"] if st is not None]:
            acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if "s3:PutObject" in acts:
                puts += st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
    want_puts = sorted([f"arn:aws:s3:::{bucket}/{ev.param(p).split('%')[0]}*" for p in ("Prefix", "ErrorsPrefix")] +
                       [f"arn:aws:s3:::{bucket}/*_datatap/schema.json"])  # the table schema, written with conditional puts
    expect(sorted(puts) == want_puts, f"s3:PutObject on {want_puts}", sorted(puts))

    # The permissions: every Lambda::Permission of the template, on the
    # function. moto keeps a statement's CloudFormation properties as they
    # are (FunctionUrlAuthType, InvokedViaFunctionUrl), where Lambda makes
    # them Conditions; they are compared as moto keeps them.
    perms = [r["Properties"] for n, r in tpl["Resources"].items() if r["Type"] == "AWS::Lambda::Permission" and n in physical]
    statements = json.loads(lam.get_policy(FunctionName=physical[fname])["Policy"])["Statement"]
    public = sorted(p["Action"] for p in perms if p.get("Principal") == "*")
    expect(public == ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"],
           "both public Function URL permissions with UrlAuthType NONE", public)
    for p in perms:
        keys = {k: v for k, v in p.items() if k not in ("FunctionName",)}
        match = [s for s in statements if all(s.get(k) == v for k, v in keys.items())
                 and s.get("Resource", "").split(":$LATEST")[0] == fn["FunctionArn"]]
        expect(len(match) == 1, f"function policy allows {keys}", statements)
    expect(len(statements) == len(perms), f"{len(perms)} statements in the function's policy", len(statements))

    # Log groups, if the template has any.
    for n, r in tpl["Resources"].items():
        if r["Type"] != "AWS::Logs::LogGroup" or n not in physical:
            continue
        groups = logs.describe_log_groups(logGroupNamePrefix=physical[n])["logGroups"]
        g = [g for g in groups if g["logGroupName"] == physical[n]]
        expect(len(g) == 1, f"log group {physical[n]}", groups)
        days = ev.value(r.get("Properties", {}).get("RetentionInDays"))
        if g and days is not None:
            expect(str(g[0].get("retentionInDays")) == days, f"log group {n} kept {days} days", g[0].get("retentionInDays"))
        name = ev.value(r.get("Properties", {}).get("LogGroupName"))
        if name is not None:
            expect(physical[n] == name, f"log group {n} named {name}", physical[n])
    return failures


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        failed = check(*sys.argv[2:5])
        print(f"{len(failed)} failed" if failed else "all passed")
        sys.exit(1 if failed else 0)
